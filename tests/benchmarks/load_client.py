"""The load run's virtual users: officials browse, engineers edit, planners query.

Plain threads and http.client (gunicorn's sync workers close every connection anyway), one
logged-in session per virtual user, ~1 s of think time between actions. Every request is
timed and recorded; every acknowledged (2xx) network edit is kept for the lost-edit check.
"""

from __future__ import annotations

import http.client
import json
import math
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

THINK_S = (0.5, 1.5)
TIMEOUT_S = 120
MOVE_STEPS_M = (-15, -10, -5, 5, 10, 15)  # north/south: a site's parts never cross
REPLAY_EVERY = 4  # every 4th create of a session (the 1st, 5th...) is sent twice, same key
POOL_SIZE = 12  # engineers also move one of the latest pieces, whoever drew it
CONFLICT_RETRIES = 3


@dataclass
class Sample:
    role: str
    kind: str
    status: int
    seconds: float


@dataclass
class Shared:
    """What the virtual users share: the plan from the database, the deadline, the records."""

    plan: dict
    deadline: float
    samples: list[Sample] = field(default_factory=list)
    acks: list[dict] = field(default_factory=list)
    replays: dict[str, int] = field(default_factory=lambda: {"sent": 0, "mismatched": 0})
    pool: list[list[int]] = field(default_factory=list)  # [pipe id, last acknowledged version]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def site(self) -> list[float] | None:
        with self.lock:
            return self.plan["sites"].pop() if self.plan["sites"] else None

    def record(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def acknowledge(self, op: str, answer: dict) -> list[dict]:
        """Keep an acknowledged edit: its change and every pipe it handed back."""
        features = answer.get("features") or [answer]
        pipes = [
            {"id": f["id"], "version": f["properties"]["version"], "geometry": f["geometry"]}
            for f in features
            if "diameter_mm" in f.get("properties", {})
        ]
        with self.lock:
            self.acks.append({"change": answer["change"]["id"], "op": op, "pipes": pipes})
            known = {p[0]: p for p in self.pool}
            for pipe in pipes:
                if pipe["id"] in known:
                    known[pipe["id"]][1] = max(known[pipe["id"]][1], pipe["version"])
                else:
                    self.pool.append([pipe["id"], pipe["version"]])
            del self.pool[:-POOL_SIZE]
        return pipes


class Session:
    """One browser-like session: cookies, CSRF token, timed requests."""

    def __init__(self, port: int, role: str, shared: Shared):
        self.port, self.role, self.shared = port, role, shared
        self.cookies: dict[str, str] = {}
        self.writes: dict[str, int] = {}  # acknowledged writes of this session, by operation
        self.rng = random.Random()  # noqa: S311 - load shapes, not secrets

    def request(
        self, kind: str, method: str, path: str, body: object = None, headers: dict | None = None
    ) -> tuple[int, bytes, dict]:
        payload = None
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if isinstance(body, dict | list):
            payload = json.dumps(body).encode()
            head["Content-Type"] = "application/json"
        elif isinstance(body, str):
            payload = body.encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        if method != "GET":
            head["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            head["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        head.update(headers or {})
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_S)
            conn.request(method, path, body=payload, headers=head)
            response = conn.getresponse()
            data, status = response.read(), response.status
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            conn.close()
        except OSError:
            data, status, answer_headers = b"", 0, {}
        self.shared.record(Sample(self.role, kind, status, time.perf_counter() - started))
        return status, data, answer_headers

    def login(self, username: str, password: str) -> None:
        _status, page, _h = self.request("login page", "GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        form = urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token.group(1).decode() if token else "",
            }
        )
        status, _body, _h = self.request("login", "POST", "/accounts/login/", form)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} could not log in ({status})")

    def think(self) -> bool:
        """Pause like a person; False once the run is over."""
        time.sleep(self.rng.uniform(*THINK_S))
        return time.monotonic() < self.shared.deadline


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


# --- officials ---------------------------------------------------------------------------------
def official(s: Session, account: tuple[str, str]) -> None:
    """Open the map, then pan and zoom (tiles of three layers), open popups, the scorecard."""
    plan = s.shared.plan
    s.login(*account)
    s.request("map page", "GET", "/map/")
    while s.think():
        action = s.rng.random()
        if action < 0.6:
            lon, lat = s.rng.choice(plan["points"])
            z = s.rng.randint(12, 16)
            x, y = tile_of(lon, lat, z)
            for slug in ("pipes", "pipe-nodes", "water-users"):
                for dx in (0, 1):  # the view spans two tiles
                    s.request(f"tile {slug}", "GET", f"/tiles/{slug}/{z}/{x + dx}/{y}.pbf")
        elif action < 0.9:
            slug = s.rng.choice(list(plan["ids"]))
            feature = s.rng.choice(plan["ids"][slug])
            s.request("popup", "GET", f"/api/v1/layers/{slug}/features/{feature}/")
        elif action < 0.97:
            year = s.rng.choice((2023, 2024, 2025))
            s.request("scorecard", "GET", f"/api/v1/compliance/scorecard/?year={year}")
        else:
            s.request("map page", "GET", "/map/")


# --- planners ----------------------------------------------------------------------------------
def _period(rng: random.Random) -> tuple[str, str]:
    year = rng.choice((2023, 2024, 2025))
    first = rng.randint(1, 12)
    return f"{year}-{first:02d}", f"{year}-{rng.randint(first, 12):02d}"


def planner(s: Session, account: tuple[str, str]) -> None:
    """Consumption by zone and period, a drawn-area query, a what-if scenario."""
    plan = s.shared.plan
    s.login(*account)
    while s.think():
        action = s.rng.random()
        if action < 0.4:
            zone_type = s.rng.choice(list(plan["zones"]))
            start, end = _period(s.rng)
            query = {
                "zone_type": zone_type,
                "start": start,
                "end": end,
                "group_by": s.rng.choice(("zone", "zone,month", "zone,sector")),
            }
            s.request("consumption by zone", "GET", f"/api/v1/consumption/?{urlencode(query)}")
        elif action < 0.7:
            x0, y0, x1, y1 = plan["county_bbox"]
            w, h = s.rng.uniform(0.05, 0.25), s.rng.uniform(0.05, 0.2)
            lon, lat = s.rng.uniform(x0, x1 - w), s.rng.uniform(y0, y1 - h)
            ring = [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]
            start, end = _period(s.rng)
            body = {
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "start": start,
                "end": end,
                "group_by": "month,sector",
            }
            s.request("drawn area", "POST", "/api/v1/consumption/area/", body)
        else:
            overrides = [
                {
                    "type": "supply_zone",
                    "code": s.rng.choice(plan["zones"]["supply-zone"]),
                    "r_wl_delta": s.rng.choice((-6, -4, -2)),
                },
                {"type": "new_plant", "town": s.rng.choice(plan["zones"]["town"])},
            ]
            body = {"year": s.rng.choice((2023, 2024, 2025)), "overrides": overrides}
            s.request("scenario", "POST", "/api/v1/compliance/scenarios/", body)


# --- engineers ---------------------------------------------------------------------------------
PIPES = "/api/v1/layers/pipes/features/"


def _edit(
    s: Session, op: str, path: str, make_body: Callable[[dict | None], dict], current: dict | None
) -> dict | None:
    """One network write as the editor sends it: an Idempotency-Key and the version it read;
    on a 409 the answer's current feature and version, and the same change again (new key).
    make_body builds the request from the feature as last read (None for a new pipe)."""
    for _attempt in range(CONFLICT_RETRIES + 1):
        body = make_body(current)
        if current is not None:
            body["version"] = current["properties"]["version"]
        key = uuid.uuid4().hex
        status, data, _h = s.request(op, "POST", path, body, {"Idempotency-Key": key})
        if 200 <= status < 300:
            answer = json.loads(data)
            pipes = s.shared.acknowledge(op, answer)
            s.writes[op] = s.writes.get(op, 0) + 1
            if op == "create" and s.writes[op] % REPLAY_EVERY == 1:
                _replay(s, op, path, body, key, answer)
            return {"answer": answer, "pipes": pipes}
        if status != 409:
            return None
        current = json.loads(data)["error"]["details"]["current"]
    return None


def _replay(s: Session, op: str, path: str, body: dict, key: str, answer: dict) -> None:
    """The same request with the same key (a retry after a lost answer): the first answer,
    nothing written twice."""
    status, data, headers = s.request(
        f"{op} (replayed)", "POST", path, body, {"Idempotency-Key": key}
    )
    same = status // 100 == 2 and json.loads(data) == answer
    with s.shared.lock:
        s.shared.replays["sent"] += 1
        if not same or headers.get("idempotent-replayed") != "true":
            s.shared.replays["mismatched"] += 1


def _midpoint(feature: dict | None) -> dict:
    (ax, ay), (bx, by) = (
        feature["geometry"]["coordinates"][0],
        feature["geometry"]["coordinates"][-1],
    )
    return {"point": [(ax + bx) / 2, (ay + by) / 2]}


def _as_feature(pipe: dict) -> dict:
    return {"geometry": pipe["geometry"], "properties": {"version": pipe["version"]}}


def engineer(s: Session, account: tuple[str, str]) -> None:
    """Draw a pipe on an empty site (ends snapped to new junctions), move it, split it; now
    and then move one of the latest pieces, whoever drew it (stale versions meet 409s)."""
    plan = s.shared.plan
    half = plan["site_half_deg"]
    props = {"diameter_mm": plan["diameter_mm"], "material": plan["material"]}
    s.login(*account)
    s.request("editor page", "GET", "/network/edit/")
    while s.think():
        site = s.shared.site()
        if site is not None:
            lon, lat = site
            line = {"type": "LineString", "coordinates": [[lon - half, lat], [lon + half, lat]]}
            feature = {"type": "Feature", "geometry": line, "properties": props}
            made = _edit(s, "create", PIPES, lambda _f, f=feature: dict(f), None)
            if made is None or not s.think():
                continue
            pipe = made["pipes"][0]
            step = {"offset_m": [0, s.rng.choice(MOVE_STEPS_M)]}
            path = f"{PIPES}{pipe['id']}/move/"
            moved = _edit(s, "move", path, lambda _f, b=step: dict(b), _as_feature(pipe))
            if moved is None or not s.think():
                continue
            pipe = moved["pipes"][0]
            _edit(s, "split", f"{PIPES}{pipe['id']}/split/", _midpoint, _as_feature(pipe))
            if not s.think():
                break
        with s.shared.lock:
            picked = list(s.rng.choice(s.shared.pool)) if s.shared.pool else None
        if picked is not None:
            pipe_id, version = picked
            s.request("read pipe", "GET", f"{PIPES}{pipe_id}/")
            step = {"offset_m": [0, s.rng.choice(MOVE_STEPS_M)]}
            known = {"properties": {"version": version}}
            path = f"{PIPES}{pipe_id}/move/"
            _edit(s, "move (shared)", path, lambda _f, b=step: dict(b), known)


ROLES = {"official": official, "engineer": engineer, "planner": planner}
