"""The first load of an empty layer table (dataio/importing/first_load.py): the same result as
the ordinary path, every index and constraint back afterwards, everything rolled back on any
refusal, and never a long wait behind a reader."""

from __future__ import annotations

import time

import numpy as np
import psycopg
import pytest
import shapely
from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection, transaction
from pyproj import Geod
from shapely.geometry import LineString, Point

from accounts.models import AreaMembership
from accounts.scope import scope_for_user
from dataio.importing import ImportFailed, layer_import
from dataio.importing import layer_write as layer_write_module
from layers.models import AdminArea
from layers.scope import scope_bound
from network.models import NetworkChange, PipeSegment
from network.services.import_history import created_states
from tests.helpers import tables_fingerprint, write_layer

pytestmark = pytest.mark.django_db

# A quiet spot north-east of Lianzhou town (112.38E 24.78N), away from the demo network.
ORIGIN = (112.4731, 24.8417)
GEOD = Geod(ellps="WGS84")
NETWORK = ("layers_pipesegment", "layers_pipenode")


def at(east_m: float, north_m: float = 0.0) -> Point:
    """The point east_m metres east and north_m metres north of ORIGIN (on the ellipsoid)."""
    lon, lat = ORIGIN
    if east_m:
        lon, lat, _ = GEOD.fwd(lon, lat, 90 if east_m > 0 else 270, abs(east_m))
    if north_m:
        lon, lat, _ = GEOD.fwd(lon, lat, 0 if north_m > 0 else 180, abs(north_m))
    return Point(lon, lat)


# Five pipes: F1 and F2 meet with ends 0.3 m apart (one junction, F2's start moved onto it),
# F3 leaves that junction northwards from F1's exact end, F4 and F5 are a separate line 100 m
# south sharing an exact end: 7 junctions in all (2 where pipes meet, 5 loose ends).
PIPES = {
    "F1": LineString([at(-80), at(0)]),
    "F2": LineString([at(0.3), at(80)]),
    "F3": LineString([at(0), at(0, 60)]),
    "F4": LineString([at(-50, -100), at(0, -100)]),
    "F5": LineString([at(0, -100), at(50, -100)]),
}


def pipes_file(tmp_path, lines: dict[str, LineString], status: str = "in_service", name="p"):
    n = len(lines)
    return write_layer(
        tmp_path / f"{name}.gpkg",
        list(lines.values()),
        {
            "code": list(lines),
            "diameter_mm": [100 + 50 * i for i in range(n)],
            "material": ["PE"] * n,
            "install_year": [2020] * n,
            "status": [status] * n,
        },
    )


@pytest.fixture(scope="module", autouse=True)
def network_sizes_restored(django_db_setup, django_db_blocker):
    """After the module, the network tables analysed again (outside any test's transaction).

    A first load into the emptied network rebuilds the tables' indexes, and an index build
    writes the table's row count (pg_class.reltuples) in place, kept when the test's
    transaction rolls back: every later module on this process would plan the demo's 19,595
    pipes and 12,115 nodes as 2-5 (the network check then took 78 s instead of 2 s)."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute("ANALYZE layers_pipesegment, layers_pipenode")


def network_emptied() -> None:
    """Every pipe and node deleted, with the rows referring to them (in the test's
    transaction, so the demo comes back afterwards): the network tables are empty."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
            "AND confrelid IN ('layers_pipesegment'::regclass, 'layers_pipenode'::regclass) "
            "AND conrelid NOT IN ('layers_pipesegment'::regclass, 'layers_pipenode'::regclass)"
        )
        for (table,) in cur.fetchall():
            cur.execute(f"DELETE FROM {table}")  # noqa: S608 (names from the catalogue)
        cur.execute("DELETE FROM layers_pipesegment")
        cur.execute("DELETE FROM layers_pipenode")


def structures() -> list[tuple]:
    """Every index, constraint and trigger of the network tables: (table, name, definition,
    valid/enabled), without their object ids."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indrelid::regclass::text, indexrelid::regclass::text, "
            " pg_get_indexdef(indexrelid), indisvalid::text FROM pg_index "
            "WHERE indrelid = ANY(%(t)s::regclass[]) "
            "UNION ALL SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
            " convalidated::text FROM pg_constraint WHERE conrelid = ANY(%(t)s::regclass[]) "
            "UNION ALL SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid), "
            " tgenabled::text FROM pg_trigger WHERE tgrelid = ANY(%(t)s::regclass[]) "
            " AND NOT tgisinternal ORDER BY 1, 2, 3",
            {"t": list(NETWORK)},
        )
        return cur.fetchall()


def index_oids() -> set[int]:
    with connection.cursor() as cur:
        cur.execute("SELECT indexrelid::int FROM pg_index WHERE indrelid = ANY(%s::regclass[])",
                    [list(NETWORK)])  # fmt: skip
        return {row[0] for row in cur.fetchall()}


def primary_keys() -> set[int]:
    with connection.cursor() as cur:
        cur.execute("SELECT indexrelid::int FROM pg_index WHERE indisprimary "
                    "AND indrelid = ANY(%s::regclass[])", [list(NETWORK)])  # fmt: skip
        return {row[0] for row in cur.fetchall()}


def node_state(node) -> tuple | None:
    if node is None:
        return None
    return (node.geom.ewkb.hex(), node.kind, node.county_id, node.town_id, node.version)


def network_state(codes) -> dict:
    """The file's pipes by code, each with its end nodes' states, and the import's history
    (its after-states without node ids and codes, which the sequences number)."""
    pipes = {}
    for p in PipeSegment.objects.filter(code__in=codes).select_related("start_node", "end_node"):
        pipes[p.code] = (
            (p.diameter_mm, p.material, p.install_year, p.status, p.version),
            p.geom.ewkb.hex(),
            p.length_m,
            (p.county_id, p.town_id, p.supply_zone_id),
            node_state(p.start_node),
            node_state(p.end_node),
        )
    change = NetworkChange.objects.filter(operation="import").order_by("-id").first()
    created_states([change])  # a first load's history as whole states, as readers see it
    numbered = ("start_node_id", "end_node_id", "start_node_code", "end_node_code")
    history = sorted(
        (
            f["properties"]["code"],
            f["geometry"],
            {k: v for k, v in f["properties"].items() if k not in numbered},
        )
        for f in change.after["pipes"]
    )
    return {"pipes": pipes, "history": history, "before": change.before}


@pytest.fixture
def first_loads(monkeypatch) -> list[str]:
    """The tables each import filled by the first-load path."""
    calls: list[str] = []
    real = layer_write_module.first_load_insert

    def spy(cur, **kwargs):
        calls.append(kwargs["table"])
        return real(cur, **kwargs)

    monkeypatch.setattr(layer_write_module, "first_load_insert", spy)
    return calls


class _Rollback(Exception):
    pass


class FirstLoadTests:
    def test_same_result_as_the_ordinary_path(self, tmp_path, first_loads, settings):
        """PIPES into an empty network (first load of pipes and nodes) and into the demo's
        network (the ordinary path): the same pipes (attributes, snapped geometries, lengths,
        county, town, supply zone), the same nodes at their ends (7 junctions), the same
        history. The first load rebuilt every index but the primary keys (new object ids)
        under the same definitions, all constraints validated, the county triggers enabled
        again."""
        settings.NETWORK_SNAP_TOLERANCE_M = 0.5
        path = pipes_file(tmp_path, PIPES)
        before = structures()
        try:
            with transaction.atomic():
                network_emptied()
                oids = index_oids()
                report = layer_import(slug="pipes", path=path)
                assert first_loads == ["layers_pipenode", "layers_pipesegment"]
                assert report.created == 5
                first = network_state(PIPES)
                assert structures() == before
                assert oids & index_oids() == primary_keys()  # every other index built anew
                raise _Rollback
        except _Rollback:
            pass
        first_loads.clear()
        report = layer_import(slug="pipes", path=path)
        assert first_loads == [] and report.created == 5
        ordinary = network_state(PIPES)
        assert first == ordinary
        ends = {s for state in ordinary["pipes"].values() for s in state[4:]}
        assert len(ends) == 7 and None not in ends
        f1, f2 = ordinary["pipes"]["F1"], ordinary["pipes"]["F2"]
        assert f1[5] == f2[4]  # F1's end and F2's start: one junction
        assert f2[2] == pytest.approx(80.0, abs=0.01)  # 79.7 m before its start moved 0.3 m

    def test_a_file_refused_by_validation_changes_nothing(self, tmp_path, first_loads):
        """Row 5 repeats F1's code and row 6 has a negative diameter: both reported, nothing
        written, the network tables and their indexes as before."""
        lines = {**PIPES}
        path = write_layer(
            tmp_path / "bad.gpkg",
            [*lines.values(), LineString([at(0, 200), at(30, 200)])],
            {
                "code": ["F1", "F2", "F3", "F4", "F1", "F6"],
                "diameter_mm": [100, 100, 100, 100, 100, -5],
                "material": ["PE"] * 6,
            },
        )
        network_emptied()
        before, shape = tables_fingerprint(), structures()
        with pytest.raises(ImportFailed) as refused:
            layer_import(slug="pipes", path=path)
        rows = sorted({(e.row, e.column) for e in refused.value.errors})
        assert rows == [(5, "code"), (6, "diameter_mm")]
        assert tables_fingerprint() == before and structures() == shape

    def test_a_large_file_with_its_150000th_row_bad(self, tmp_path, first_loads):
        """150,000 pipes of 1 m on a 3 m grid (1.2 × 1.25 km north-east of Lianzhou town) into
        the empty network; row 5 repeats row 1's code and row 150,000 has a diameter of -5:
        exactly those two rows reported, nothing written, no index touched (the file's rows
        are all checked before the first load's lock and DDL)."""
        n = 150_000
        x0, y0 = ORIGIN
        i = np.arange(n)
        starts = np.column_stack([x0 + (i % 400) * 3e-5, y0 + (i // 400) * 3e-5])
        lines = shapely.linestrings(np.stack([starts, starts + [1e-5, 0.0]], axis=1))  # ~1 m east
        codes = [f"G{k}" for k in range(n)]
        codes[4] = codes[0]
        diameters = [100] * n
        diameters[-1] = -5
        path = write_layer(
            tmp_path / "large.gpkg",
            list(lines),
            {"code": codes, "diameter_mm": diameters, "material": ["PE"] * n},
        )
        network_emptied()
        before, shape, oids = tables_fingerprint(), structures(), index_oids()
        with pytest.raises(ImportFailed) as refused:
            layer_import(slug="pipes", path=path)
        rows = sorted({(e.row, e.column) for e in refused.value.errors})
        assert rows == [(5, "code"), (150_000, "diameter_mm")]
        assert first_loads == []
        assert tables_fingerprint() == before
        assert structures() == shape and index_oids() == oids

    def test_a_refusal_after_the_indexes_were_dropped_restores_everything(
        self, tmp_path, first_loads, django_user_model
    ):
        """A user of another county imports PIPES (in Lianzhou) into the empty network: the
        rows are written and the indexes rebuilt before the area check refuses them; the
        transaction's rollback brings back the empty tables, every index, constraint and
        trigger as they were (same object ids: the dropped ones restored)."""
        other = AdminArea.objects.create(
            code="449903",
            name="another test county",
            level="county",
            geom=MultiPolygon(Polygon.from_bbox((113.5, 24.0, 113.6, 24.1)), srid=4326),
        )
        user = django_user_model.objects.create_user("far", password="x")
        user.groups.add(Group.objects.get(name="official"))
        AreaMembership.objects.create(user=user, area=other)
        path = pipes_file(tmp_path, PIPES)
        network_emptied()
        before, shape, oids = tables_fingerprint(), structures(), index_oids()
        with scope_bound(lambda: scope_for_user(user)), pytest.raises(ImportFailed) as refused:
            layer_import(slug="pipes", path=path)
        assert "outside your area" in str(refused.value.errors)
        assert first_loads == ["layers_pipenode", "layers_pipesegment"]
        assert tables_fingerprint() == before
        assert structures() == shape and index_oids() == oids

    def test_a_database_refusal_mid_load_restores_everything(self, tmp_path, first_loads):
        """In-service pipes in a chain of ends 0.4 m + 0.4 m apart: the third end lies 0.8 m
        from the junction on the westmost end, more than the 0.5 m tolerance, so its pipe
        has no start node; the database refuses an in-service pipe without both nodes
        (CHECK pipe_in_service_has_nodes) during the first load's insert: nothing kept."""
        path = pipes_file(
            tmp_path,
            {
                "C1": LineString([at(-50, -80), at(0, -80)]),
                "C2": LineString([at(0.4, -80), at(0.4, -30)]),
                "C3": LineString([at(0.8, -80), at(50, -80)]),
            },
        )
        network_emptied()
        before, shape, oids = tables_fingerprint(), structures(), index_oids()
        with pytest.raises(ImportFailed) as refused:
            layer_import(slug="pipes", path=path)
        assert "pipe_in_service_has_nodes" in str(refused.value.errors)
        assert "layers_pipesegment" in first_loads
        assert tables_fingerprint() == before
        assert structures() == shape and index_oids() == oids

    def test_pipes_running_along_each_other_in_the_file(self, tmp_path, first_loads):
        """Two pipes leaving one point at an angle θ: the first 0.5 m / sin θ of the second
        lie within the 0.5 m tolerance of the first. At 12° that is 2.4 m, over the limit of
        4 tolerances (2 m): refused, naming row 1. At 17°, 1.7 m: both imported."""
        start = at(0, 300)

        def leg(bearing: float) -> LineString:
            lon, lat, _ = GEOD.fwd(start.x, start.y, bearing, 50)
            return LineString([start, (lon, lat)])

        network_emptied()
        with pytest.raises(ImportFailed) as refused:
            layer_import(slug="pipes", path=pipes_file(tmp_path, {"R1": leg(90), "R2": leg(78)}))
        (error,) = refused.value.errors
        assert error.row == 2 and error.reason.startswith("runs along row 1 (pipe R1) for ")
        assert float(error.reason.split(" for ")[1].split(" m")[0]) == pytest.approx(2.4, abs=0.1)
        report = layer_import(
            slug="pipes", path=pipes_file(tmp_path, {"R3": leg(90), "R4": leg(73)}, name="ok")
        )
        assert report.created == 2 and "layers_pipesegment" in first_loads


class FirstLoadLockTests:
    def test_a_reader_holding_the_table_sends_the_import_the_ordinary_way(
        self, tmp_path, first_loads, settings
    ):
        """Another session reads the pipes table in an open transaction. The import waits
        at most IMPORT_FIRST_LOAD_LOCK_WAIT_S (0.3 s here) for its exclusive lock, then
        imports the ordinary way: all 5 pipes, no index rebuilt, the reader never blocked."""
        settings.IMPORT_FIRST_LOAD_LOCK_WAIT_S = 0.3
        path = pipes_file(tmp_path, PIPES)
        db = connection.settings_dict
        reader = psycopg.connect(
            host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=db["USER"],
            password=db["PASSWORD"],
        )  # fmt: skip
        try:
            reader.execute("SELECT count(*) FROM layers_pipesegment").fetchone()
            network_emptied()
            oids = index_oids()
            started = time.monotonic()
            report = layer_import(slug="pipes", path=path)
            waited = time.monotonic() - started
            assert report.created == 5 and first_loads == []
            assert index_oids() == oids
            assert waited >= 0.3
            assert reader.execute("SELECT 1").fetchone() == (1,)  # still reading, unharmed
        finally:
            reader.close()
