"""A real nginx running the deployment's proxy configuration (docker/proxy/nginx.conf) in front
of a local application server: the tile proxy's tests and benchmarks.

The file is used as it is, but for what only the container has: it listens on a loopback port,
its workers are a local address instead of Docker's `web` service (no resolver), and its
paths are a scratch folder's. Each change must find its line, so the file cannot drift away
from what is tested.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "docker" / "proxy" / "nginx.conf"


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise RuntimeError("nginx is not installed (scripts/install_system.sh installs it)")
    return found


def local_conf(text: str, port: int, upstream: str, folder: Path) -> str:
    """docker/proxy/nginx.conf's text for a loopback `port` in front of `upstream`
    (host:port), its paths in `folder`."""
    replacements = [
        ("/tmp/", f"{folder}/"),  # noqa: S108 - the file's own paths; first (the lines below name the folder)
        ("listen 8080;", f"listen 127.0.0.1:{port};"),
        ("set $workers web:8000;", f"set $workers {upstream};"),
        ("resolver 127.0.0.11 valid=10s ipv6=off;", "# no resolver: the workers' address is one"),
        ("events {", f"error_log {folder}/error.log warn;\nevents {{"),
        ("http {", "http {\n  access_log off;"),
    ]
    for old, new in replacements:
        if old not in text:
            raise RuntimeError(f"docker/proxy/nginx.conf has no {old!r} any more")
        text = text.replace(old, new)
    return text


class TileProxy:
    """nginx with docker/proxy/nginx.conf on `port`, in front of `upstream`; stop() ends it."""

    def __init__(self, port: int, upstream: str):
        self.port, self.upstream = port, upstream
        self.folder = Path(tempfile.mkdtemp(prefix="tile-proxy-"))
        # Its workers run as `nobody` when started by root: the folder must be theirs too.
        os.chmod(self.folder, 0o777)  # noqa: S103 - a scratch folder of the test run
        conf = self.folder / "nginx.conf"
        conf.write_text(local_conf(CONF.read_text(), port, upstream, self.folder))
        self.process = subprocess.Popen(
            [nginx_binary(), "-p", str(self.folder), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_until_up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_until_up(self, seconds: float = 15.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx stopped: {self.process.stderr.read().decode()}")
            try:
                urllib.request.urlopen(f"{self.url}/nothing-here", timeout=1)  # noqa: S310
                return
            except urllib.error.HTTPError:
                return  # it answered
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start in time")

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
