"""docker/compose.yaml, read as Compose v2 reads it (this machine has the docker CLI but neither
the compose plugin nor an engine): variables interpolated (`${VAR}`, `${VAR:-default}`,
`${VAR:?error}`, `$$`), YAML anchors and merge keys resolved, the result valid against the
Compose Specification's JSON schema (tests/infra/compose-spec.json, from compose-spec/compose-spec
schema/compose-spec.json at commit 170098ba07d9f53c383a41bfd4c5166b0a4529a6, Apache-2.0), and
the scaled-out services wired as docs/scaling.md says.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker" / "compose.yaml"
SCHEMA = Path(__file__).with_name("compose-spec.json")
REQUIRED_ENV = {
    "SECRET_KEY": "s" * 50,
    "POSTGRES_PASSWORD": "pg-secret",
    "ALLOWED_HOSTS": "gis.example.org",
    "REPLICATION_PASSWORD": "repl-secret",
}
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


class InterpolationError(ValueError):
    pass


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation of the forms this file uses."""

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group(1), match.group(2), match.group(3)
        value = env.get(name)
        if op in (":-", "-"):
            unset = value is None or (op == ":-" and value == "")
            return interpolate(arg, env) if unset else value
        if op in (":?", "?"):
            if value is None or (op == ":?" and value == ""):
                raise InterpolationError(f"{name}: {arg}")
            return value
        return value or ""

    return _VAR.sub(one, text)


def load(env: dict[str, str]) -> dict:
    return yaml.safe_load(interpolate(COMPOSE.read_text(), env))


@pytest.fixture(scope="module")
def compose() -> dict:
    return load(REQUIRED_ENV)


class ComposeFileTests:
    def test_it_is_valid_compose(self, compose):
        schema = json.loads(SCHEMA.read_text())
        errors = sorted(
            jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: e.path
        )
        assert [f"{list(e.path)}: {e.message}" for e in errors] == []

    def test_required_secrets_are_refused_when_missing(self):
        for name in ("POSTGRES_PASSWORD", "SECRET_KEY", "REPLICATION_PASSWORD"):
            env = {k: v for k, v in REQUIRED_ENV.items() if k != name}
            with pytest.raises(InterpolationError, match=name):
                load(env)

    def test_the_services_and_the_scale_profile(self, compose):
        services = compose["services"]
        one_host = {"db", "app", "worker", "demo"}
        assert set(services) == one_host | {"replica", "pgbouncer", "web", "proxy"}
        for name in ("replica", "pgbouncer", "web", "proxy"):
            assert services[name]["profiles"] == ["scale"]
        for name in ("db", "app", "worker"):
            assert "profiles" not in services[name]  # the one-host set-up is unchanged

    def test_who_connects_where(self, compose):
        services = compose["services"]
        web = services["web"]["environment"]
        assert web["DATABASE_URL"].endswith("@pgbouncer:6432/lianzhou")
        assert web["DATABASE_REPLICA_URL"].endswith("@pgbouncer:6432/lianzhou_replica")
        assert web["DATABASE_POOLED"] == "true"
        assert web["MIGRATE_ON_START"] == "0"
        assert services["web"]["deploy"]["replicas"] == 3
        # The evaluation worker and the migrating app: straight to the primary, no replica.
        for name in ("worker", "app"):
            env = services[name]["environment"]
            assert env["DATABASE_URL"].endswith("@db:5432/lianzhou")
            assert "DATABASE_REPLICA_URL" not in env
            assert env.get("DATABASE_POOLED", "false") == "false"
        pooler = services["pgbouncer"]["environment"]
        assert (pooler["PRIMARY_HOST"], pooler["REPLICA_HOST"]) == ("db", "replica")

    def test_every_file_it_mounts_or_builds_exists(self, compose):
        base = COMPOSE.parent
        for name, service in compose["services"].items():
            build = service.get("build")
            if build:
                context = (base / build["context"]).resolve()
                assert (context / build["dockerfile"]).is_file(), name
            for volume in service.get("volumes", []):
                source = volume.split(":")[0]
                if source.startswith("."):
                    path = base / source
                    assert path.is_file(), f"{name}: {source}"
                    if path.suffix == ".sh":
                        assert path.stat().st_mode & 0o111, f"{source} must be executable"
