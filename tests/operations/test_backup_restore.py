"""make backup / make restore round-trip the demo database and its media files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.operations.dbtools import database_url, drop_database, manifest

ROOT = Path(__file__).resolve().parents[2]
# The mark makes pytest-django create the test database (with the demo); the scripts reach it
# through their own connections and see only committed data.
pytestmark = pytest.mark.django_db


def _run(script: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def restored_name(django_db_setup):
    name = f"{settings.DATABASES['default']['NAME']}_restored"
    drop_database(name)
    yield name
    drop_database(name)


class BackupRestoreTests:
    def test_round_trip_keeps_every_row_geometry_and_media_file(
        self, django_db_setup, restored_name, tmp_path
    ):
        source = settings.DATABASES["default"]["NAME"]
        media = Path(settings.MEDIA_ROOT)
        rasters = sorted(p.relative_to(media) for p in media.rglob("*") if p.is_file())
        assert rasters, "the demo puts raster files in MEDIA_ROOT"
        env = {
            "DATABASE_URL": database_url(source),
            "MEDIA_ROOT": str(media),
            "BACKUP_DIR": str(tmp_path / "backups"),
        }
        backup = _run("backup.sh", env=env)
        assert backup.returncode == 0, backup.stderr
        folder = Path(backup.stdout.strip().splitlines()[-1])
        assert {p.name for p in folder.iterdir()} == {
            "database.dump",
            "media.tar.gz",
            "manifest.tsv",
        }

        restored_media = tmp_path / "media"
        env["MEDIA_ROOT"] = str(restored_media)
        restore = _run("restore.sh", str(folder), restored_name, env=env)
        assert restore.returncode == 0, restore.stderr
        assert "verified:" in restore.stdout

        before, after = manifest(source), manifest(restored_name)
        assert after == before
        assert int(after["rows:layers_pipesegment"]) > 1000
        assert after["geom:layers_pipesegment.geom"] not in (None, "None")
        assert (
            sorted(p.relative_to(restored_media) for p in restored_media.rglob("*") if p.is_file())
            == rasters
        )
        for name in rasters:
            assert (restored_media / name).read_bytes() == (media / name).read_bytes()

        # A second restore into the now non-empty database is refused and changes nothing.
        again = _run("restore.sh", str(folder), restored_name, env=env)
        assert again.returncode == 1
        assert "is not empty" in again.stderr
        assert manifest(restored_name) == before
        # FORCE=1 replaces it, and verifies again.
        forced = _run("restore.sh", str(folder), restored_name, env={**env, "FORCE": "1"})
        assert forced.returncode == 0, forced.stderr
        assert manifest(restored_name) == before

    def test_restore_refuses_an_incomplete_backup(self, django_db_setup, restored_name, tmp_path):
        (tmp_path / "database.dump").write_bytes(b"not a dump")
        env = {"DATABASE_URL": database_url(settings.DATABASES["default"]["NAME"])}
        result = _run("restore.sh", str(tmp_path), restored_name, env=env)
        assert result.returncode == 1
        assert "media.tar.gz is missing" in result.stderr
