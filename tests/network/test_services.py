"""Network editing services on the demo county: snapping, T-junctions, refusals, split/merge,
node moves, retire/restore, history and revert. Every test asserts the stored network."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import pytest
import shapely
from django.db import connection
from django.db.models import Q
from pyproj import Geod
from shapely.geometry import LineString, Point

from layers.models import LayerVersion
from network.models import LeakRecord, NetworkChange, PipeNode, PipeSegment
from network.services.edit import (
    pipe_create,
    pipe_merge,
    pipe_move,
    pipe_restore,
    pipe_retire,
    pipe_split,
    pipe_update,
)
from network.services.history import change_revert, pipe_changes
from network.services.nodes import node_create, node_delete, node_move, node_update
from network.services.rules import NetworkConflict, NetworkError
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")  # distances on the ellipsoid, as PostGIS geography measures them
EDIT_TABLES = ("layers_networkchange", "layers_pipecrossing", "layers_idempotentrequest")


# --- helpers shared by the network test modules ------------------------------------------
def moved(lonlat, east_m: float = 0.0, north_m: float = 0.0) -> tuple[float, float]:
    """A lon/lat point moved by metres east and north along geodesics (at ~24.8°N one metre
    east is ~9.9e-6° of longitude, north ~9.0e-6° of latitude)."""
    lon, lat = lonlat
    if east_m:
        lon, lat, _az = GEOD.fwd(lon, lat, 90 if east_m > 0 else 270, abs(east_m))
    if north_m:
        lon, lat, _az = GEOD.fwd(lon, lat, 0 if north_m > 0 else 180, abs(north_m))
    return lon, lat


def toward(lonlat, azimuth: float, metres: float) -> tuple[float, float]:
    lon, lat, _az = GEOD.fwd(lonlat[0], lonlat[1], azimuth, metres)
    return lon, lat


def metres(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def fingerprint() -> dict[str, str]:
    """Every layer table (tests/helpers.py) and the editing tables: equal ⇔ nothing changed."""
    out = tables_fingerprint()
    with connection.cursor() as cur:
        for table in EDIT_TABLES:
            cur.execute(
                f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' "  # noqa: S608
                f"ORDER BY id)), '') FROM {table} t"
            )
            out[table] = cur.fetchone()[0]
    return out


def draw(a, b, *middle, user=None, **props):
    """Draw a DN100 PE pipe a → b (lon/lat pairs); returns the EditResult."""
    properties = {"diameter_mm": 100, "material": "PE", **props}
    return pipe_create(geom=LineString([a, *middle, b]), properties=properties, user=user)


def line_of(pipe: PipeSegment) -> LineString:
    return shapely.from_wkb(bytes(pipe.geom.wkb))


def degree(node_id: int) -> int:
    return PipeSegment.objects.filter(Q(start_node_id=node_id) | Q(end_node_id=node_id)).count()


def data_version(key: str) -> int:
    row = LayerVersion.objects.filter(key=key).first()
    return row.version if row else 0


@dataclass(frozen=True)
class Target:
    """A straight in-service DN100 pipe with nothing else within 25 m of its midpoint."""

    id: int
    start: tuple[float, float]
    end: tuple[float, float]
    mid: tuple[float, float]
    azimuth: float  # of the pipe, degrees from north

    def beside(self, metres_off: float, along: float = 0.5) -> tuple[float, float]:
        """A point at `along` (0-1) of the pipe, metres_off to its right (negative: left)."""
        lon = self.start[0] + along * (self.end[0] - self.start[0])
        lat = self.start[1] + along * (self.end[1] - self.start[1])
        if metres_off == 0:
            return lon, lat
        side = 90 if metres_off > 0 else -90
        return toward((lon, lat), self.azimuth + side, abs(metres_off))


@pytest.fixture(scope="session")
def target(django_db_setup, django_db_blocker) -> Target:
    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute(
            "SELECT p.id FROM layers_pipesegment p WHERE p.status = 'in_service' "
            "AND ST_NPoints(p.geom) = 2 AND p.length_m BETWEEN 60 AND 150 "
            # PE: the merge tests change one half to ductile iron and expect a difference.
            "AND p.diameter_mm = 50 AND p.material = 'PE' "
            # Each distance (on the ellipsoid) behind a bounding-box test the spatial index
            # serves (0.001° ≥ 90 m here): without it the planner may check every pipe against
            # every other, which took minutes on freshly loaded tables.
            "AND NOT EXISTS (SELECT 1 FROM layers_pipesegment q "
            " WHERE q.id <> p.id "
            " AND q.geom && ST_Expand(ST_LineInterpolatePoint(p.geom, 0.5), 0.001) "
            " AND ST_DWithin(q.geom::geography, "
            " ST_LineInterpolatePoint(p.geom, 0.5)::geography, 25)) "
            # The tests draw beside the pipe (up to ~20 m off, at 30 % and 50 % along): no
            # other pipe or node there that a drawn end could snap to.
            "AND NOT EXISTS (SELECT 1 FROM layers_pipesegment q "
            " WHERE q.id <> p.id "
            " AND q.geom && ST_Expand(ST_LineInterpolatePoint(p.geom, 0.3), 0.001) "
            " AND ST_DWithin(q.geom::geography, "
            " ST_LineInterpolatePoint(p.geom, 0.3)::geography, 30)) "
            "AND NOT EXISTS (SELECT 1 FROM layers_pipenode n "
            " WHERE n.id NOT IN (p.start_node_id, p.end_node_id) "
            " AND n.geom && ST_Expand(p.geom, 0.001) "
            " AND ST_DWithin(n.geom::geography, p.geom::geography, 30)) ORDER BY p.id LIMIT 1"
        )
        pipe = PipeSegment.objects.get(pk=cur.fetchone()[0])
    a, b = pipe.geom.coords
    azimuth = GEOD.inv(a[0], a[1], b[0], b[1])[0]
    return Target(pipe.pk, a, b, ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), azimuth)


@pytest.fixture(scope="session")
def spot(django_db_setup, django_db_blocker) -> tuple[float, float]:
    """A lon/lat point inside the county, 2 km from any node and 1 km from its boundary."""
    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X(x.p), ST_Y(x.p) FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, 40, 7)))"
            ".geom AS p FROM layers_adminarea WHERE level = 'county') x "
            "WHERE NOT EXISTS (SELECT 1 FROM layers_pipenode n "
            " WHERE n.geom && ST_Expand(x.p, 0.03) "  # 0.03° ≥ 2.7 km here: the index's box
            " AND ST_DWithin(n.geom::geography, x.p::geography, 2000)) "
            "AND ST_Covers((SELECT geom FROM layers_adminarea WHERE level = 'county'), "
            " ST_Buffer(x.p::geography, 1000)::geometry) ORDER BY ST_Y(x.p), ST_X(x.p) LIMIT 1"
        )
        return cur.fetchone()


def refused(run, problem: str) -> NetworkError:
    """Run a write that must be refused with `problem`, and check it changed nothing."""
    before = fingerprint()
    with pytest.raises(NetworkError) as caught:
        run()
    assert caught.value.problem == problem, caught.value.message
    assert fingerprint() == before
    return caught.value


# --- tests --------------------------------------------------------------------------------
class SnapToleranceTests:
    def test_end_04_m_from_a_node_joins_it(self, spot):
        valve = node_create(at=Point(spot), properties={"kind": "valve"}, user=None).node_ids[0]
        nodes = PipeNode.objects.count()
        far = moved(spot, east_m=40)
        pipe = PipeSegment.objects.get(pk=draw(moved(spot, east_m=0.4), far).pipe_ids[0])
        assert pipe.start_node_id == valve
        assert PipeNode.objects.count() == nodes + 1  # a junction for the far end only
        assert pipe.geom.coords[0] == PipeNode.objects.get(pk=valve).geom.coords  # exactly on it
        assert pipe.length_m == pytest.approx(metres(spot, far), abs=1e-3)
        assert degree(valve) == 1

    def test_end_06_m_from_a_node_stays_apart(self, spot):
        valve = node_create(at=Point(spot), properties={"kind": "valve"}, user=None).node_ids[0]
        nodes = PipeNode.objects.count()
        start = moved(spot, east_m=0.6)
        pipe = PipeSegment.objects.get(pk=draw(start, moved(spot, east_m=40)).pipe_ids[0])
        assert pipe.start_node_id != valve and degree(valve) == 0
        assert PipeNode.objects.count() == nodes + 2
        assert pipe.geom.coords[0] == pytest.approx(start, abs=1e-12)

    def test_tolerance_is_a_setting_in_metres(self, spot, settings):
        settings.NETWORK_SNAP_TOLERANCE_M = 1.0
        valve = node_create(at=Point(spot), properties={"kind": "valve"}, user=None).node_ids[0]
        pipe = PipeSegment.objects.get(
            pk=draw(moved(spot, north_m=0.9), moved(spot, north_m=50)).pipe_ids[0]
        )
        assert pipe.start_node_id == valve


class PipeCreateTests:
    def test_new_pipe_gets_nodes_length_membership_history_and_versions(self, target, engineer):
        versions = data_version("pipes"), data_version("pipe-nodes")
        a, b = target.beside(8, 0.3), target.beside(20, 0.3)
        result = draw(a, b, user=engineer, install_year=2024)
        pipe = PipeSegment.objects.select_related("start_node").get(pk=result.pipe_ids[0])
        assert pipe.start_node.kind == "junction" and pipe.version == 1
        assert pipe.code.startswith("E") and pipe.install_year == 2024
        assert pipe.length_m == pytest.approx(metres(a, b), rel=1e-6)
        original = PipeSegment.objects.get(pk=target.id)
        assert pipe.supply_zone_id == original.supply_zone_id and pipe.town_id is not None
        # the database's triggers bumped both (once per statement that wrote rows)
        assert data_version("pipes") > versions[0] and data_version("pipe-nodes") > versions[1]
        change = result.change
        assert change.operation == "pipe_create" and change.user == engineer
        assert change.before == {"pipes": [], "nodes": []}
        assert [f["id"] for f in change.after["pipes"]] == [pipe.pk]
        assert len(change.after["nodes"]) == 2

    def test_end_on_a_pipe_interior_splits_it_there(self, target):
        original = PipeSegment.objects.get(pk=target.id)
        length, end_node = original.length_m, original.end_node_id
        result = draw(target.beside(0.3), target.beside(12))
        new = PipeSegment.objects.get(pk=result.pipe_ids[0])
        first = PipeSegment.objects.get(pk=target.id)
        second = PipeSegment.objects.get(start_node_id=first.end_node_id, end_node_id=end_node)
        junction = first.end_node_id
        assert new.start_node_id == junction and degree(junction) == 3
        assert first.length_m + second.length_m == pytest.approx(length, rel=1e-9)
        for name in ("diameter_mm", "material", "install_year", "status", "supply_zone_id"):
            assert getattr(second, name) == getattr(first, name) == getattr(original, name)
        assert new.geom.coords[0] == first.geom.coords[-1] == second.geom.coords[0]
        assert metres(new.geom.coords[0], target.mid) < 1e-3  # the junction is on the pipe
        assert first.version == original.version + 1 and second.version == 1
        assert sorted(result.change.pipe_ids) == sorted([new.pk, first.pk, second.pk])
        assert [f["id"] for f in result.change.before["pipes"]] == [target.id]

    def test_a_crossing_is_allowed_and_joins_nothing(self, target):
        original = PipeSegment.objects.get(pk=target.id)
        result = draw(target.beside(-10), target.beside(10))
        crossing = PipeSegment.objects.get(pk=result.pipe_ids[0])
        assert crossing.geom.crosses(original.geom)
        assert PipeSegment.objects.get(pk=target.id).version == original.version
        assert result.change.pipe_ids == [crossing.pk]


class PipeRefusalTests:
    def test_self_intersection_is_located(self, spot):
        corners = [moved(spot, e, n) for e, n in ((0, 0), (20, 20), (20, 0), (0, 20))]
        error = refused(
            lambda: draw(corners[0], corners[3], corners[1], corners[2]), "self_intersection"
        )
        assert error.field == "geometry"
        assert metres(error.location, moved(spot, 10, 10)) < 0.01

    @pytest.mark.parametrize(
        ("props", "problem", "field"),
        [
            ({"diameter_mm": None}, "diameter_mm_missing", "properties.diameter_mm"),
            ({"diameter_mm": 5000}, "diameter_mm_implausible", "properties.diameter_mm"),
            ({"diameter_mm": 101}, "diameter_mm_implausible", "properties.diameter_mm"),
            ({"diameter_mm": "DN100"}, "diameter_mm_invalid", "properties.diameter_mm"),
            ({"material": None}, "material_missing", "properties.material"),
            ({"material": "wood"}, "material_invalid", "properties.material"),
            ({"install_year": 1700}, "install_year_implausible", "properties.install_year"),
            ({"colour": "blue"}, "property_unknown", "properties.colour"),
        ],
    )
    def test_bad_attributes_are_refused_with_the_pipe_location(self, spot, props, problem, field):
        a, b = spot, moved(spot, east_m=30)
        error = refused(lambda: draw(a, b, **props), problem)
        assert error.field == field
        assert metres(error.location, moved(spot, east_m=15)) < 0.01

    def test_zero_length(self, spot):
        error = refused(lambda: draw(spot, spot), "zero_length")
        assert error.location == pytest.approx(spot)

    def test_nan_and_out_of_range_coordinates(self, spot):
        with warnings.catch_warnings():  # shapely warns when it builds a line with a NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            nan_line = LineString([spot, (math.nan, 24.8)])
        nan_props = {"diameter_mm": 100, "material": "PE"}
        error = refused(
            lambda: pipe_create(geom=nan_line, properties=nan_props, user=None),
            "coordinates_not_finite",
        )
        assert error.extra["vertex"] == 1
        error = refused(lambda: draw(spot, (200.0, 24.8)), "coordinates_out_of_range")
        assert error.location == (200.0, 24.8)

    def test_outside_the_county(self, spot):
        # 0.7° east: past the boundary (112.78°E), with an edge under GEOMETRY_MAX_EDGE_DEG
        error = refused(lambda: draw(spot, (113.1, spot[1])), "outside_county")
        assert error.location[0] > 112.4  # a point of the part beyond the boundary

    def test_duplicate_of_an_existing_pipe(self, target):
        error = refused(lambda: draw(target.start, target.end), "overlap")
        assert error.extra["other_id"] == target.id
        assert metres(error.location, target.mid) < 60

    def test_overlap_along_part_of_a_pipe(self, target):
        a, b = target.beside(0.2, 0.2), target.beside(0.2, 0.7)
        refused(lambda: draw(a, b), "overlap")

    def test_both_ends_on_one_node(self, target):
        start = PipeSegment.objects.get(pk=target.id).start_node.geom.coords
        refused(lambda: draw(start, moved(start, north_m=0.2)), "same_node")


class PipeUpdateTests:
    def test_vertex_edit_keeps_the_nodes_and_records_before_and_after(self, target):
        pipe = PipeSegment.objects.get(pk=target.id)
        bent = LineString([target.start, target.beside(3), target.end])
        result = pipe_update(pipe_id=pipe.pk, version=pipe.version, geom=bent, user=None)
        stored = PipeSegment.objects.get(pk=pipe.pk)
        assert (stored.start_node_id, stored.end_node_id) == (pipe.start_node_id, pipe.end_node_id)
        assert stored.version == pipe.version + 1 and len(stored.geom.coords) == 3
        assert stored.length_m > pipe.length_m
        assert result.change.before["pipes"][0]["geometry"]["coordinates"] == [
            list(target.start),
            list(target.end),
        ]
        assert result.change.after["pipes"][0]["properties"]["version"] == stored.version

    def test_stale_version_is_a_conflict_and_changes_nothing(self, target):
        pipe = PipeSegment.objects.get(pk=target.id)
        pipe_update(
            pipe_id=pipe.pk, version=pipe.version, properties={"diameter_mm": 150}, user=None
        )
        before = fingerprint()
        with pytest.raises(NetworkConflict) as caught:
            pipe_update(
                pipe_id=pipe.pk, version=pipe.version, properties={"diameter_mm": 200}, user=None
            )
        assert caught.value.current_version == pipe.version + 1
        assert fingerprint() == before
        assert PipeSegment.objects.get(pk=pipe.pk).diameter_mm == 150

    def test_moving_an_end_to_another_node_drops_the_junction_left_behind(self, spot):
        first = draw(spot, moved(spot, east_m=40))
        pipe = PipeSegment.objects.get(pk=first.pipe_ids[0])
        old_end = pipe.end_node_id
        hydrant = node_create(
            at=Point(moved(spot, east_m=40, north_m=20)), properties={"kind": "hydrant"}, user=None
        ).node_ids[0]
        new_route = LineString([spot, moved(spot, east_m=40, north_m=19.7)])
        pipe_update(pipe_id=pipe.pk, version=pipe.version, geom=new_route, user=None)
        assert PipeSegment.objects.get(pk=pipe.pk).end_node_id == hydrant
        assert not PipeNode.objects.filter(pk=old_end).exists()
        assert old_end in pipe_changes(pipe.pk).first().node_ids

    def test_move_whole_pipe_by_metres(self, spot):
        pipe = PipeSegment.objects.get(pk=draw(spot, moved(spot, east_m=30)).pipe_ids[0])
        pipe_move(pipe_id=pipe.pk, version=1, east_m=0, north_m=10, user=None)
        stored = PipeSegment.objects.get(pk=pipe.pk)
        assert metres(stored.geom.coords[0], moved(spot, north_m=10)) < 0.01
        assert stored.start_node_id != pipe.start_node_id
        assert stored.length_m == pytest.approx(pipe.length_m, rel=1e-4)


class NodeMoveTests:
    def test_connected_pipe_ends_follow_the_node(self):
        with connection.cursor() as cur:  # a street crossing: a junction of four pipes
            cur.execute(
                "SELECT n.id FROM layers_pipenode n JOIN layers_pipesegment p "
                "ON n.id IN (p.start_node_id, p.end_node_id) WHERE n.kind = 'junction' "
                "GROUP BY n.id HAVING count(*) = 4 ORDER BY n.id LIMIT 1"
            )
            node = PipeNode.objects.get(pk=cur.fetchone()[0])
        attached = list(PipeSegment.objects.filter(Q(start_node=node) | Q(end_node=node)))
        to = moved(node.geom.coords, east_m=2, north_m=1)
        result = node_move(node_id=node.pk, version=node.version, at=Point(to), user=None)
        moved_node = PipeNode.objects.get(pk=node.pk)
        assert moved_node.version == node.version + 1
        for pipe in attached:
            stored = PipeSegment.objects.get(pk=pipe.pk)
            end = 0 if stored.start_node_id == node.pk else -1
            assert stored.geom.coords[end] == moved_node.geom.coords
            assert stored.version == pipe.version + 1 and stored.length_m != pipe.length_m
        assert degree(node.pk) == 4
        assert sorted(result.change.pipe_ids) == sorted(p.pk for p in attached)
        assert result.change.operation == "node_move"

    def test_node_moved_onto_another_node_is_refused(self, target):
        pipe = PipeSegment.objects.get(pk=target.id)
        other = pipe.end_node.geom.coords
        node = pipe.start_node
        error = refused(
            lambda: node_move(
                node_id=node.pk, version=node.version, at=Point(moved(other, 0.2)), user=None
            ),
            "node_duplicate",
        )
        assert error.location == pytest.approx(other)


class SplitMergeTests:
    def test_split_then_merge_back(self, target):
        original = PipeSegment.objects.get(pk=target.id)
        leak = LeakRecord.objects.create(
            pipe=original, geom=original.geom.interpolate_normalized(0.9), found_on="2024-05-01"
        )
        result = pipe_split(pipe_id=target.id, at=Point(target.beside(0.3)), user=None)
        first, second = (PipeSegment.objects.get(pk=i) for i in result.pipe_ids)
        junction = first.end_node_id
        assert second.start_node_id == junction and degree(junction) == 2
        assert first.length_m + second.length_m == pytest.approx(original.length_m, rel=1e-9)
        assert LeakRecord.objects.get(pk=leak.pk).pipe_id == second.pk  # the nearer part
        merged = pipe_merge(pipe_ids=[first.pk, second.pk], user=None)
        pipe = PipeSegment.objects.get(pk=merged.pipe_ids[0])
        assert pipe.pk == target.id and pipe.end_node_id == original.end_node_id
        assert pipe.length_m == pytest.approx(original.length_m, rel=1e-9)
        assert not PipeSegment.objects.filter(pk=second.pk).exists()
        assert not PipeNode.objects.filter(pk=junction).exists()
        assert LeakRecord.objects.get(pk=leak.pk).pipe_id == pipe.pk
        assert [c.operation for c in pipe_changes(target.id)[:2]] == ["pipe_merge", "pipe_split"]

    def test_split_off_the_pipe_or_at_an_end_is_refused(self, target):
        error = refused(
            lambda: pipe_split(pipe_id=target.id, at=Point(target.beside(3)), user=None),
            "split_off_pipe",
        )
        assert error.field == "point"
        refused(
            lambda: pipe_split(pipe_id=target.id, at=Point(target.start), user=None),
            "split_at_end",
        )

    def _split(self, target, **second_props):
        result = pipe_split(pipe_id=target.id, at=Point(target.mid), user=None)
        first, second = result.pipe_ids
        if second_props:
            pipe_update(pipe_id=second, version=1, properties=second_props, user=None)
        return first, second

    @pytest.mark.parametrize(
        ("props", "problem"),
        [
            ({"diameter_mm": 150}, "merge_diameter_mm"),
            ({"material": "ductile_iron"}, "merge_material"),
            ({"status": "planned"}, "merge_status"),
        ],
    )
    def test_merge_refused_unless_same_diameter_material_status(self, target, props, problem):
        first, second = self._split(target, **props)
        error = refused(lambda: pipe_merge(pipe_ids=[first, second], user=None), problem)
        assert metres(error.location, target.mid) < 0.01

    def test_merge_refused_at_a_valve_or_a_node_of_degree_three(self, target):
        valve = node_create(at=Point(target.mid), properties={"kind": "valve"}, user=None)
        first = target.id
        second = PipeSegment.objects.get(start_node_id=valve.node_ids[0]).pk
        refused(lambda: pipe_merge(pipe_ids=[first, second], user=None), "merge_node_kind")
        node_update(
            node_id=valve.node_ids[0], version=1, properties={"kind": "junction"}, user=None
        )
        branch = draw(PipeNode.objects.get(pk=valve.node_ids[0]).geom.coords, target.beside(-9))
        assert degree(valve.node_ids[0]) == 3 and branch.pipe_ids
        refused(lambda: pipe_merge(pipe_ids=[first, second], user=None), "merge_node_degree")

    def test_merge_refused_for_pipes_that_do_not_meet(self, target, spot):
        far = draw(spot, moved(spot, east_m=30)).pipe_ids[0]
        refused(lambda: pipe_merge(pipe_ids=[target.id, far], user=None), "merge_not_adjacent")


class RetireRestoreTests:
    def test_retire_then_restore_with_the_previous_status(self, target):
        pipe_update(pipe_id=target.id, version=None, properties={"status": "planned"}, user=None)
        retired = pipe_retire(pipe_id=target.id, user=None)
        pipe = PipeSegment.objects.get(pk=target.id)
        assert pipe.status == "abandoned" and retired.change.operation == "pipe_retire"
        assert pipe.start_node_id is not None  # still bound to its nodes
        refused(lambda: pipe_retire(pipe_id=target.id, user=None), "already_retired")
        pipe_restore(pipe_id=target.id, version=pipe.version, user=None)
        assert PipeSegment.objects.get(pk=target.id).status == "planned"

    def test_a_retired_route_cannot_be_edited(self, target):
        pipe_retire(pipe_id=target.id, user=None)
        bent = LineString([target.start, target.beside(3), target.end])
        refused(
            lambda: pipe_update(pipe_id=target.id, version=None, geom=bent, user=None),
            "retired_route",
        )

    def test_restore_refused_when_a_new_pipe_took_its_place(self, target):
        pipe_retire(pipe_id=target.id, user=None)
        draw(target.start, target.end)  # redrawn while retired
        refused(lambda: pipe_restore(pipe_id=target.id, user=None), "overlap")


class NodeTests:
    def test_a_valve_on_a_pipe_splits_it(self, target):
        result = node_create(
            at=Point(target.beside(0.3)), properties={"kind": "valve", "code": "V-T1"}, user=None
        )
        valve = PipeNode.objects.get(pk=result.node_ids[0])
        assert valve.code == "V-T1" and degree(valve.pk) == 2
        assert metres(valve.geom.coords, target.mid) < 1e-3  # placed on the pipe
        assert len(result.change.pipe_ids) == 2

    def test_a_node_next_to_another_is_refused(self, target):
        start = PipeSegment.objects.get(pk=target.id).start_node.geom.coords
        refused(
            lambda: node_create(
                at=Point(moved(start, 0.3)), properties={"kind": "valve"}, user=None
            ),
            "node_duplicate",
        )

    def test_delete_refused_while_pipes_use_the_node(self, target):
        node = PipeSegment.objects.get(pk=target.id).start_node
        error = refused(lambda: node_delete(node_id=node.pk, user=None), "node_in_use")
        assert error.location == pytest.approx(node.geom.coords)

    def test_delete_an_unused_node(self, spot):
        node_id = node_create(at=Point(spot), properties={"kind": "hydrant"}, user=None).node_ids[0]
        result = node_delete(node_id=node_id, version=1, user=None)
        assert not PipeNode.objects.filter(pk=node_id).exists()
        assert (
            result.change.before["nodes"][0]["id"] == node_id and not result.change.after["nodes"]
        )

    def test_node_outside_the_county_is_refused(self):
        refused(
            lambda: node_create(at=Point(114.5, 24.8), properties={"kind": "valve"}, user=None),
            "outside_county",
        )


class HistoryRevertTests:
    def test_revert_an_edit(self, target, engineer):
        pipe = PipeSegment.objects.get(pk=target.id)
        bent = LineString([target.start, target.beside(4), target.end])
        edit = pipe_update(
            pipe_id=pipe.pk,
            version=pipe.version,
            geom=bent,
            properties={"diameter_mm": 150},
            user=None,
        )
        revert = change_revert(change_id=edit.change.pk, user=engineer, pipe_id=pipe.pk)
        stored = PipeSegment.objects.get(pk=pipe.pk)
        assert stored.geom.coords == pipe.geom.coords and stored.diameter_mm == pipe.diameter_mm
        assert stored.version == pipe.version + 2
        assert revert.change.operation == "revert" and revert.change.reverts == edit.change
        edits = NetworkChange.objects.filter(pipe_ids__contains=[pipe.pk])
        edits = edits.exclude(operation="import")  # the demo's import is in the history too
        assert edits.count() == 2

    def test_revert_refused_once_the_pipe_moved_on(self, target):
        first = pipe_update(
            pipe_id=target.id, version=None, properties={"diameter_mm": 150}, user=None
        )
        pipe_update(pipe_id=target.id, version=None, properties={"diameter_mm": 200}, user=None)
        before = fingerprint()
        with pytest.raises(NetworkConflict):
            change_revert(change_id=first.change.pk, user=None, pipe_id=target.id)
        assert fingerprint() == before

    def test_revert_a_t_junction_rejoins_the_split_pipe(self, target):
        original = PipeSegment.objects.get(pk=target.id)
        pipes, nodes = PipeSegment.objects.count(), PipeNode.objects.count()
        created = draw(target.beside(0.3), target.beside(12))
        change_revert(change_id=created.change.pk, user=None, pipe_id=target.id)
        stored = PipeSegment.objects.get(pk=target.id)
        assert stored.geom.coords == original.geom.coords
        assert stored.end_node_id == original.end_node_id
        assert (PipeSegment.objects.count(), PipeNode.objects.count()) == (pipes, nodes)

    def test_revert_a_merge_brings_both_pipes_back(self, target):
        split = pipe_split(pipe_id=target.id, at=Point(target.mid), user=None)
        merge = pipe_merge(pipe_ids=list(split.pipe_ids), user=None)
        change_revert(change_id=merge.change.pk, user=None, pipe_id=target.id)
        first, second = (PipeSegment.objects.get(pk=i) for i in split.pipe_ids)
        assert first.end_node_id == second.start_node_id and degree(first.end_node_id) == 2

    def test_revert_of_an_unrelated_change_is_not_found(self, target, spot):
        other = draw(spot, moved(spot, east_m=30))
        with pytest.raises(NetworkError) as caught:
            change_revert(change_id=other.change.pk, user=None, pipe_id=target.id)
        assert caught.value.status == 404
