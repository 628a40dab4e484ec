"""The servers of the peer benchmarks: tipg under uvicorn, our logged-in app, plain HTTP timing.

tipg runs from its own venv (.venv-peers, scripts/bench_peers_setup.sh) on the same database,
serving only the pipes table. Requests go over a fresh loopback connection each (gunicorn's
sync workers close every connection anyway), through http.client, with no client library
overhead on either side.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass

from tests.benchmarks.common import ROOT, db_url, module_probe, wait_until_up

PEERS_VENV = ROOT / ".venv-peers"
COLLECTION = "public.layers_pipesegment"
# Our tile attributes (the pipes spec's tile columns) that tipg can give, by column name.
TIPG_TILE_PROPERTIES = "code,diameter_mm,material,status,install_year,version"
# The properties of our (lean) features page but its verdict, and of its SQL floor.
TIPG_ITEM_PROPERTIES = "code,diameter_mm,material,install_year,status"
OFFICIAL = ("official", "Official#Lianzhou2026")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plan(scale: int) -> dict:
    """Tile addresses, floor SQL and bbox for one scale (tests/benchmarks/peer_plan.py)."""
    return module_probe(scale, "tests.benchmarks.peer_plan")


def serve_tipg(scale: int, port: int, workers: int = 1) -> subprocess.Popen:
    """tipg on one scale's database, restricted to the pipes table, configured by env vars."""
    uvicorn = PEERS_VENV / "bin" / "uvicorn"
    if not uvicorn.exists():
        raise RuntimeError("tipg is not installed: run scripts/bench_peers_setup.sh")
    env = {
        **os.environ,
        "DATABASE_URL": db_url(scale).replace("postgis://", "postgresql://", 1),
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": f'["{COLLECTION}"]',
        "TIPG_DB_FUNCTIONS": "[]",
        # No extents in the catalogue (a scan of the table at start-up, not part of a request).
        "TIPG_DB_SPATIAL_EXTENT": "false",
        "TIPG_DB_DATETIME_EXTENT": "false",
        # Never cut a tile short: it must hold the same features as ours.
        "TIPG_MAX_FEATURES_PER_TILE": "1000000",
        # Our tiles keep 64 of 4096 units around the tile (layers.tiles.BUFFER); tipg 256.
        "TIPG_TILE_BUFFER": "64",
        "TIPG_DEBUG": "false",
    }
    # tipg also reads a .env file in its working directory: give it an empty one.
    workdir = tempfile.mkdtemp(prefix="tipg-")
    server = subprocess.Popen(
        [
            str(uvicorn),
            "tipg.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_up(f"http://127.0.0.1:{port}/collections/{COLLECTION}", server, seconds=60)
    return server


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@dataclass
class Reply:
    status: int
    body: bytes
    seconds: float


def fetch(port: int, path: str, headers: dict | None = None) -> Reply:
    """GET over a new loopback connection; seconds from connect to the last body byte."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return Reply(response.status, body, time.perf_counter() - started)


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def login(port: int, credentials: tuple[str, str] = OFFICIAL) -> dict[str, str]:
    """Log in through /accounts/login/ (CSRF token from the form); returns the Cookie header.

    The cookie is sent by hand, so a Secure flag on it does not stop it over plain loopback.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    page = response.read().decode()
    cookies = _cookies(response)
    conn.close()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not token or "csrftoken" not in cookies:
        raise RuntimeError("the login page gave no CSRF token")
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": credentials[0],
            "password": credentials[1],
        }
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Host": "127.0.0.1",
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    cookies.update(_cookies(response))
    conn.close()
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login as {credentials[0]} failed ({response.status})")
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def our_tile_path(z: int, x: int, y: int, year: int) -> str:
    return f"/tiles/pipes/{z}/{x}/{y}.pbf?year={year}"


def tipg_tile_path(z: int, x: int, y: int, cql2: str) -> str:
    query = urllib.parse.urlencode({"properties": TIPG_TILE_PROPERTIES, "filter": cql2})
    return f"/collections/{COLLECTION}/tiles/WebMercatorQuad/{z}/{x}/{y}?{query}"


def our_features_path(bbox: list[float], year: int) -> str:
    box = ",".join(repr(v) for v in bbox)
    return f"/api/v1/layers/pipes/features/?bbox={box}&page_size=1000&year={year}"


def tipg_features_path(bbox: list[float]) -> str:
    box = ",".join(repr(v) for v in bbox)
    # Our page leaves abandoned pipes out unless asked (`all`): so does tipg's, by CQL2.
    query = urllib.parse.urlencode(
        {
            "bbox": box,
            "limit": 1000,
            "sortby": "id",
            "properties": TIPG_ITEM_PROPERTIES,
            "filter": "status <> 'abandoned'",
        }
    )
    return f"/collections/{COLLECTION}/items?{query}"


def feature_count(body: bytes) -> int:
    """Features in a GeoJSON FeatureCollection."""
    return len(json.loads(body)["features"])
