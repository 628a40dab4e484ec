"""A pipe edit retried after the client gave up is applied once (Idempotency-Key), over real
HTTP: the first request is held inside PostgreSQL by a table lock until the client times out."""

from __future__ import annotations

import threading
import uuid

import pytest
import requests

from tests.faults.waiting import lock_waiters, wait_for
from tests.operations.dbtools import admin

pytestmark = pytest.mark.django_db

PIPES = "/api/v1/layers/pipes/features/"
NETWORK = (
    "SELECT (SELECT count(*) FROM layers_pipesegment), (SELECT count(*) FROM layers_pipenode),"
    " (SELECT count(*) FROM layers_networkchange), (SELECT sum(version) FROM layers_pipesegment),"
    " (SELECT md5(string_agg(ST_AsEWKB(geom), '' ORDER BY id)) FROM layers_pipesegment)"
)


def network(scratch) -> tuple:
    with admin(scratch.name) as conn:
        return tuple(conn.execute(NETWORK).fetchone())


def changes(scratch) -> int:
    return network(scratch)[2]


def new_pipe(scratch, code: str, north_m: float) -> dict:
    """A 40 m pipe `north_m` north of a point of the county 2 km from any node and 1 km inside
    its boundary (away from the network, whatever the demo draws there)."""
    with admin(scratch.name) as conn:
        lon, lat = conn.execute(
            "SELECT ST_X(x.p), ST_Y(x.p) FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, 40, 7)))"
            ".geom AS p FROM layers_adminarea WHERE level = 'county') x "
            "WHERE NOT EXISTS (SELECT 1 FROM layers_pipenode n "
            " WHERE n.geom && ST_Expand(x.p, 0.03) "  # 0.03° ≥ 2.7 km here: the index's box
            " AND ST_DWithin(n.geom::geography, x.p::geography, 2000)) "
            "AND ST_Covers((SELECT geom FROM layers_adminarea WHERE level = 'county' LIMIT 1), "
            " ST_Buffer(x.p::geography, 1000)::geometry) "
            "ORDER BY ST_Y(x.p), ST_X(x.p) LIMIT 1"
        ).fetchone()
    north = lat + north_m / 111_320
    return {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": [[lon, north], [lon + 40 / 101_000, north]],
        },
        "properties": {"code": code, "diameter_mm": 110, "material": "PE"},
    }


class held:
    """The pipe table locked against writes (SHARE) until the block ends, as a slow colleague
    transaction would; reads go on."""

    def __init__(self, scratch):
        self.scratch = scratch

    def __enter__(self):
        self.conn = admin(self.scratch.name)
        self.db = self.conn.__enter__()
        self.db.execute("BEGIN")
        self.db.execute("LOCK TABLE layers_pipesegment IN SHARE MODE")
        return self

    def __exit__(self, *exc):
        self.db.execute("COMMIT")
        self.conn.__exit__(*exc)


def send(api, method: str, url: str, body: dict, key: str, timeout: float):
    return api.request(method, url, json=body, headers={"Idempotency-Key": key}, timeout=timeout)


class RetriedEditTests:
    def test_a_create_and_a_move_retried_after_a_client_timeout_apply_once(self, scratch, server):
        api = server.api()
        code, key = f"FAULT-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
        body = new_pipe(scratch, code, north_m=300)
        before = network(scratch)
        with held(scratch):
            with pytest.raises(requests.Timeout):
                send(api, "POST", server.base + PIPES, body, key, timeout=2)
            assert network(scratch) == before  # still waiting inside PostgreSQL
        # The server finishes the first request once the lock is gone; the client never saw it.
        wait_for(lambda: changes(scratch) == before[2] + 1, 60, "the first create to commit")
        applied = network(scratch)
        retry = send(api, "POST", server.base + PIPES, body, key, timeout=60)
        assert retry.status_code == 201
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert network(scratch) == applied  # nothing applied twice
        assert applied[2] == before[2] + 1 and applied[0] >= before[0] + 1
        pipe = retry.json()
        assert pipe["properties"]["code"] == code and pipe["properties"]["version"] == 1
        with admin(scratch.name) as conn:
            assert (
                conn.execute(
                    "SELECT count(*) FROM layers_pipesegment WHERE code = %s", [code]
                ).fetchone()[0]
                == 1
            )

        move_url = f"{server.base}{PIPES}{pipe['id']}/move/"
        move = {"offset_m": [5, 0], "version": 1}
        move_key = str(uuid.uuid4())
        with held(scratch):
            with pytest.raises(requests.Timeout):
                send(api, "POST", move_url, move, move_key, timeout=2)
        wait_for(lambda: changes(scratch) == applied[2] + 1, 60, "the first move to commit")
        moved = network(scratch)
        retry = send(api, "POST", move_url, move, move_key, timeout=60)
        assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
        assert retry.json()["properties"]["version"] == 2
        assert network(scratch) == moved
        assert moved[3] == applied[3] + 1  # one version step, not two
        history = api.get(f"{server.base}{PIPES}{pipe['id']}/history/", timeout=30).json()
        operations = [c["operation"] for c in history.get("changes", history.get("results", []))]
        assert sorted(operations) == ["pipe_create", "pipe_move"]

    def test_a_retry_while_the_first_still_runs_waits_and_replays(self, scratch, server):
        api = server.api()
        key = str(uuid.uuid4())
        body = new_pipe(scratch, f"FAULT-{uuid.uuid4().hex[:8]}", north_m=400)
        before = network(scratch)
        answers: list = []

        def post():
            answers.append(send(api, "POST", server.base + PIPES, body, key, timeout=120))

        with held(scratch):
            first = threading.Thread(target=post)
            first.start()
            wait_for(lambda: len(lock_waiters(scratch.name)) == 1, 60, "the first request")
            second = threading.Thread(target=post)
            second.start()  # same key: waits for the first on the key's advisory lock
            wait_for(lambda: len(lock_waiters(scratch.name)) == 2, 60, "the retry to wait")
        first.join(120)
        second.join(120)
        assert sorted(a.status_code for a in answers) == [201, 201]
        assert answers[0].json()["id"] == answers[1].json()["id"]
        assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
        assert changes(scratch) == before[2] + 1
