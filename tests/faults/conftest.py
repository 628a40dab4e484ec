"""Fault tests run against a copy of the test database, served by a real gunicorn.

The copy (`scratch`) is taken once per session from the test database with the demo loaded;
the faults (connections refused or cut, imports killed) are real, done to that copy only.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.conf import settings
from psycopg import sql

from demo.load import DEMO_ACCOUNTS
from tests.operations.dbtools import (
    admin,
    copy_database,
    database_url,
    drop_database,
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "faults0000000000000000000000000000000000"  # noqa: S105 - a test-only API token


@dataclass
class Scratch:
    name: str
    url: str

    def env(self) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "gisapp.settings.test",
        }

    def allow_connections(self, allowed: bool) -> None:
        """ALLOW_CONNECTIONS false refuses every new session, a superuser's included."""
        with admin() as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                    sql.Identifier(self.name), sql.Literal(allowed)
                )
            )


@pytest.fixture(scope="session")
def scratch(django_db_setup, django_db_blocker) -> Scratch:
    source = settings.DATABASES["default"]["NAME"]
    name = f"{source}_faults"
    with django_db_blocker.unblock():
        copy_database(source, name)
    with admin(name) as conn:
        conn.execute(
            "INSERT INTO authtoken_token (key, created, user_id) "
            "SELECT %s, now(), id FROM auth_user WHERE username = 'engineer'",
            [TOKEN],
        )
    yield Scratch(name, database_url(name))
    drop_database(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base: str
    process: subprocess.Popen

    def api(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {TOKEN}"
        return session

    def browser(self, username: str = "engineer") -> requests.Session:
        """A session logged in through the login form (session cookie, CSRF)."""
        session = requests.Session()
        session.get(f"{self.base}/accounts/login/", timeout=30)
        response = session.post(
            f"{self.base}/accounts/login/",
            data={
                "username": username,
                "password": DEMO_ACCOUNTS[username][1],
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": f"{self.base}/accounts/login/"},
            timeout=30,
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:300]
        return session


def start_gunicorn(scratch: Scratch, *, workers: int = 2, env: dict | None = None) -> Server:
    """gunicorn as deployed on the scratch copy; `env` adds or overrides settings."""
    port = _free_port()
    log = ROOT / "test-artifacts" / "faults-gunicorn.log"  # the server's errors, for a failure
    log.parent.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "gisapp.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**scratch.env(), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=log.open("a"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # two cores shared with colleagues: boots can be slow
    while True:
        try:
            requests.get(f"{base}/accounts/login/", timeout=30)
            break
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    return Server(base, process)


def stop_gunicorn(server: Server) -> None:
    server.process.terminate()
    server.process.wait(timeout=30)


@pytest.fixture(scope="session")
def server(scratch) -> Server:
    """gunicorn as deployed (two sync workers, so a retry is served while a request hangs)."""
    started = start_gunicorn(scratch)
    yield started
    stop_gunicorn(started)
