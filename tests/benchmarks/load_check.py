"""The load run's database side, in its own process: what to load, and what survived it.

Usage: DATABASE_URL=<the scratch copy> python -m tests.benchmarks.load_check prepare
       DATABASE_URL=... python -m tests.benchmarks.load_check verify <acks.json> <baseline.json>
`prepare` prints the ids and points the virtual users work with, empty sites for the
engineers' drawings and the network check before the run; `verify` prints the lost-edit count
and the network problems the load left, from the acknowledged edits the client recorded.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from network.models import NetworkChange, PipeSegment  # noqa: E402
from network.services.check import network_problems  # noqa: E402
from network.services.rules import diameters_allowed  # noqa: E402
from network.services.session import RESPONSE_DIGITS, pipe_features  # noqa: E402

# No pipe or node within this many degrees of a site's centre (over 200 m at 25° N), and the
# county all around it: in degrees, so that the spatial indexes serve the search.
SITE_CLEAR_DEG = 0.002
SITE_HALF_DEG = 0.0005  # a site's pipe runs 0.001° of longitude east-west (about 100 m)
SITE_GRID_DEG = 0.004  # sites at least 400 m apart
SAMPLE = 400


def _rows(sql: str, params: dict | None = None) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params or {})
        return cur.fetchall()


def _sites(limit: int) -> list[list[float]]:
    """Centres (lon, lat) of empty grid cells inside the county, in random order: a pipe
    drawn there, moved a few tens of metres and split, meets nothing that exists."""
    rows = _rows(
        "WITH c AS (SELECT geom FROM layers_adminarea WHERE level = 'county' LIMIT 1), "
        "g AS (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS p FROM c, "
        " generate_series(ST_XMin(c.geom)::numeric, ST_XMax(c.geom)::numeric, %(step)s) x, "
        " generate_series(ST_YMin(c.geom)::numeric, ST_YMax(c.geom)::numeric, %(step)s) y) "
        "SELECT ST_X(g.p), ST_Y(g.p) FROM g, c "
        "WHERE ST_Within(ST_Expand(g.p, %(clear)s), c.geom) "
        " AND NOT EXISTS (SELECT 1 FROM layers_pipesegment s "
        "  WHERE ST_DWithin(s.geom, g.p, %(clear)s)) "
        " AND NOT EXISTS (SELECT 1 FROM layers_pipenode n "
        "  WHERE ST_DWithin(n.geom, g.p, %(clear)s)) "
        "ORDER BY md5(ST_AsText(g.p)) LIMIT %(limit)s",
        {"step": SITE_GRID_DEG, "clear": SITE_CLEAR_DEG, "limit": limit},
    )
    return [[round(x, 6), round(y, 6)] for x, y in rows]


def _problem_key(p) -> list:
    return [p.problem, sorted(i for i, _c in p.pipes), sorted(i for i, _c in p.nodes)]


def prepare() -> dict:
    """Sample ids for popups, points for tiles, engineer sites, the network before the run."""
    ids = {
        slug: [r[0] for r in _rows(f"SELECT id FROM {table} ORDER BY random() LIMIT {SAMPLE}")]  # noqa: S608
        for slug, table in (
            ("pipes", "layers_pipesegment"),
            ("pipe-nodes", "layers_pipenode"),
            ("water-users", "layers_wateruser"),
        )
    }
    points = _rows(
        f"SELECT ST_X(geom), ST_Y(geom) FROM layers_pipenode ORDER BY random() LIMIT {SAMPLE}"  # noqa: S608
    )
    zones = {
        "town": [r[0] for r in _rows("SELECT code FROM layers_adminarea WHERE level = 'town'")],
        "supply-zone": [r[0] for r in _rows("SELECT code FROM layers_supplyzone")],
    }
    ((x0, y0, x1, y1),) = _rows(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e "
        "FROM layers_adminarea WHERE level = 'county') c"
    )
    ((max_pipe, max_node, max_change),) = _rows(
        "SELECT (SELECT coalesce(max(id), 0) FROM layers_pipesegment), "
        "(SELECT coalesce(max(id), 0) FROM layers_pipenode), "
        "(SELECT coalesce(max(id), 0) FROM layers_networkchange)"
    )
    return {
        "ids": ids,
        "points": [[x, y] for x, y in points],
        "zones": zones,
        "county_bbox": [x0, y0, x1, y1],
        "sites": _sites(int(os.environ.get("LOAD_SITES", "1500"))),
        "site_half_deg": SITE_HALF_DEG,
        "diameter_mm": sorted(diameters_allowed())[len(diameters_allowed()) // 3],
        "material": PipeSegment.Material.values[0],
        "max_ids": {"pipe": max_pipe, "node": max_node, "change": max_change},
        "problems": [_problem_key(p) for p in network_problems()],
    }


def _geometry_equal(a: dict, b: dict) -> bool:
    return a["type"] == b["type"] and json.dumps(a["coordinates"]) == json.dumps(b["coordinates"])


def verify(acks: list[dict], baseline: dict) -> dict:
    """Every acknowledged edit against the database.

    acks: one entry per acknowledged (2xx) write: {"change": id, "op", "pipes": [{"id",
    "version", "geometry"}]}. For each pipe the latest acknowledged state must be stored
    (same version and geometry), or a later recorded change of that pipe must explain a newer
    version; every acknowledged change must be in the history. A missing pipe, an unexplained
    version or geometry, or a missing change is a lost edit.
    """
    latest: dict[int, tuple[int, dict, int]] = {}
    for ack in acks:
        for pipe in ack["pipes"]:
            known = latest.get(pipe["id"])
            if known is None or pipe["version"] > known[0]:
                latest[pipe["id"]] = (pipe["version"], pipe["geometry"], ack["change"])
    stored = pipe_features(latest, RESPONSE_DIGITS)
    changes = set(
        NetworkChange.objects.filter(pk__gt=baseline["max_ids"]["change"]).values_list(
            "pk", flat=True
        )
    )
    lost: list[dict] = []
    for pipe_id, (version, geometry, change_id) in sorted(latest.items()):
        row = stored.get(pipe_id)
        if row is None:
            lost.append({"pipe": pipe_id, "why": "missing"})
            continue
        now = row["properties"]["version"]
        if now == version and _geometry_equal(row["geometry"], geometry):
            continue
        later = NetworkChange.objects.filter(
            pk__gt=change_id, pipe_ids__contains=[pipe_id]
        ).exists()
        if now < version or not later:
            lost.append({"pipe": pipe_id, "why": f"version {now}, acknowledged {version}"})
    acked_changes = {a["change"] for a in acks}
    for change_id in sorted(acked_changes - changes):
        lost.append({"change": change_id, "why": "acknowledged change not in the history"})
    before = {json.dumps(k) for k in baseline["problems"]}
    after = [_problem_key(p) for p in network_problems()]
    new = [k for k in after if json.dumps(k) not in before]
    max_pipe, max_node = baseline["max_ids"]["pipe"], baseline["max_ids"]["node"]

    def drawn_by_load(key: list) -> bool:
        return all(i > max_pipe for i in key[1]) and all(i > max_node for i in key[2])

    own = [k for k in new if drawn_by_load(k)]
    broken = [k for k in new if not drawn_by_load(k)]
    counts: dict[str, int] = {}
    for k in own:
        counts[k[0]] = counts.get(k[0], 0) + 1
    return {
        "pipes_checked": len(latest),
        "changes_acknowledged": len(acked_changes),
        "changes_recorded": len(changes),
        "unacknowledged_changes": len(changes - acked_changes),
        "lost_edits": len(lost),
        "lost": lost[:20],
        "problems_before": len(baseline["problems"]),
        "problems_after": len(after),
        "problems_resolved": len(before - {json.dumps(k) for k in after}),
        "problems_on_load_pipes": counts,
        "topology_broken": len(broken),
        "broken": broken[:20],
    }


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        print(json.dumps(prepare()))
    else:
        with open(sys.argv[2]) as acks, open(sys.argv[3]) as baseline:
            print(json.dumps(verify(json.load(acks), json.load(baseline))))
