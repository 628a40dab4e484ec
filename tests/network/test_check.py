"""The network check on the demo's planted problems (found, then fixed one by one), the leak
ledger, and two concurrent writers on separate database connections."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection
from shapely.geometry import LineString, Point

from demo.generator import generate
from layers.models import AdminArea
from network.models import NetworkChange, PipeNode, PipeSegment
from network.services.check import crossing_confirm, network_problems
from network.services.edit import pipe_retire, pipe_update
from network.services.leaks import (
    LeakFilter,
    leak_record,
    leak_update,
    leak_values_clean,
    leaks_filtered,
)
from network.services.nodes import node_create, node_delete, node_update
from network.services.rules import NetworkConflict, NetworkError
from tests.network.test_services import (
    data_version,
    degree,
    draw,
    fingerprint,
    metres,
    moved,
    refused,
    spot,  # noqa: F401 - a fixture
    target,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def manifest(tmp_path_factory) -> dict:
    """The demo's manifest: the file the session's demo load wrote, else generated again
    (the generator is deterministic for the loader's default seed and scale)."""
    for path in sorted(tmp_path_factory.getbasetemp().glob("demo*/manifest.json")):
        return json.loads(path.read_text(encoding="utf-8"))
    return generate(tmp_path_factory.mktemp("manifest"), seed=441882, scale=1.0)


def found(problems, kind: str) -> set:
    """The node code (nodes) or frozenset of pipe codes (pipes) of each problem of a kind."""
    out = set()
    for p in problems:
        if p.problem == kind:
            out.add(p.nodes[0][1] if p.nodes else frozenset(code for _i, code in p.pipes))
    return out


class NetworkCheckTests:
    def test_every_planted_problem_is_found(self, manifest, django_assert_max_num_queries):
        planted = manifest["network_problems"]
        with django_assert_max_num_queries(6):
            problems = network_problems()
        assert found(problems, "dangling_end") == set(planted["dangling_ends"])
        assert found(problems, "orphan_node") == set(planted["orphan_nodes"])
        assert found(problems, "crossing_without_node") == {
            frozenset(pair) for pair in planted["crossings_without_node"]
        }
        assert found(problems, "overlapping_segments") == {
            frozenset(pair) for pair in planted["duplicate_segments"]
        }
        assert found(problems, "disconnected_part") == {
            frozenset(part) for part in planted["disconnected_parts"]
        }
        for p in problems:  # every problem is located, in Lianzhou
            assert 112.0 < p.location[0] < 113.0 and 24.3 < p.location[1] < 25.3

    def test_fixing_each_problem_removes_it(self, manifest, engineer):
        planted = manifest["network_problems"]
        before = network_problems()
        codes = dict(PipeSegment.objects.values_list("code", "pk"))
        marked, joined = planted["crossings_without_node"][:2]
        crossing_confirm(pipe_ids=(codes[marked[0]], codes[marked[1]]), user=engineer)
        where = next(
            p.location
            for p in before
            if p.problem == "crossing_without_node" and {c for _i, c in p.pipes} == set(joined)
        )
        junction = node_create(at=Point(where), properties={"kind": "junction"}, user=engineer)
        assert degree(junction.node_ids[0]) == 4 and len(junction.change.pipe_ids) == 4
        orphan = PipeNode.objects.get(code=planted["orphan_nodes"][0])
        node_delete(node_id=orphan.pk, version=orphan.version, user=engineer)
        dangling = PipeNode.objects.get(code=planted["dangling_ends"][0])
        node_update(
            node_id=dangling.pk, version=dangling.version, properties={"kind": "end_cap"}, user=None
        )
        copy = planted["duplicate_segments"][0][1]
        pipe_retire(pipe_id=codes[copy], user=engineer)
        after = network_problems()
        gone = {
            "crossing_without_node": {frozenset(marked), frozenset(joined)},
            "orphan_node": {orphan.code},
            "dangling_end": {dangling.code},
            "overlapping_segments": {frozenset(planted["duplicate_segments"][0])},
        }
        for kind, fixed in gone.items():
            assert found(after, kind) == found(before, kind) - fixed, kind
        assert found(after, "disconnected_part") == found(before, "disconnected_part")

    def test_connecting_the_lost_estate_removes_it(self, manifest):
        part = manifest["network_problems"]["disconnected_parts"][0]
        estate = PipeSegment.objects.filter(code__in=part)
        ends = {n for p in estate for n in (p.start_node_id, p.end_node_id)}
        # The estate's node nearest to a fed street node, joined to it by a new pipe.
        with connection.cursor() as cur:
            cur.execute(
                "SELECT a.id, b.id FROM layers_pipenode a, layers_pipenode b "
                "WHERE a.id = ANY(%s) AND NOT b.id = ANY(%s) AND EXISTS (SELECT 1 FROM "
                " layers_pipesegment p WHERE p.status = 'in_service' AND b.id = p.start_node_id) "
                "ORDER BY a.geom <-> b.geom LIMIT 1",
                [list(ends), list(ends)],
            )
            a, b = cur.fetchone()
        start, end = (PipeNode.objects.get(pk=i).geom.coords for i in (a, b))
        draw(start, end)
        assert not found(network_problems(), "disconnected_part")

    def test_bbox_keeps_the_problems_inside(self, manifest):
        orphan = PipeNode.objects.get(code=manifest["network_problems"]["orphan_nodes"][1])
        x, y = orphan.geom.coords
        box = (x - 0.002, y - 0.002, x + 0.002, y + 0.002)
        problems = network_problems(bbox_4326=box)
        assert orphan.code in found(problems, "orphan_node")
        assert all(box[0] <= p.location[0] <= box[2] for p in problems)
        assert len(problems) < len(network_problems())

    def test_a_crossing_mark_needs_pipes_that_cross(self, target):  # noqa: F811
        other = PipeSegment.objects.exclude(pk=target.id).order_by("pk").first()
        refused(lambda: crossing_confirm(pipe_ids=(target.id, other.pk), user=None), "not_crossing")


class LeakTests:
    def test_recorded_leak_is_snapped_onto_the_pipe(self, target, engineer):  # noqa: F811
        version = data_version("leaks")
        leak = leak_record(
            pipe_id=target.id,
            at=Point(target.beside(3)),
            found_on=dt.date(2024, 5, 1),
            estimated_loss_m3=12.5,
            cause="joint failure",
            user=engineer,
        )
        assert metres(leak.geom.coords, target.mid) < 1e-3
        assert leak.recorded_by == engineer and leak.pipe_id == target.id
        assert data_version("leaks") == version + 1
        leak_update(leak_id=leak.pk, values={"repaired_on": dt.date(2024, 5, 3)}, user=engineer)
        assert leaks_filtered(LeakFilter(repaired=True)).filter(pk=leak.pk).exists()

    @pytest.mark.parametrize(
        ("values", "problem"),
        [
            ({"estimated_loss_m3": -1}, "estimated_loss_m3_invalid"),
            ({"found_on": "2024-13-01"}, "found_on_invalid"),
            ({"found_on": None}, "found_on_missing"),
            ({"pipe_id": "P1"}, "pipe_id_invalid"),
        ],
    )
    def test_bad_values_are_refused(self, target, values, problem):  # noqa: F811
        raw = {"pipe_id": target.id, "found_on": "2024-05-01", **values}
        refused(lambda: leak_values_clean(raw, partial=False), problem)

    def test_bad_leaks_are_refused_and_nothing_is_written(self, target):  # noqa: F811
        def record(**kw):
            values = {"pipe_id": target.id, "at": None, "found_on": dt.date(2024, 5, 1), **kw}
            return lambda: leak_record(user=None, **values)

        refused(record(repaired_on=dt.date(2024, 4, 1)), "repaired_on_invalid")
        refused(record(found_on=dt.date.today() + dt.timedelta(days=3)), "found_on_future")
        error = refused(record(at=Point(target.beside(80))), "leak_off_pipe")
        assert error.location == pytest.approx(target.beside(80))
        pipe_retire(pipe_id=target.id, user=None)
        refused(record(), "pipe_not_in_service")

    def test_ledger_filters(self, target):  # noqa: F811
        pipe = PipeSegment.objects.select_related("supply_zone").get(pk=target.id)
        other = PipeSegment.objects.filter(status="in_service").exclude(
            supply_zone=pipe.supply_zone
        )[0]
        mine = [
            leak_record(pipe_id=pipe.pk, at=None, found_on=dt.date(2024, 3, 1), user=None),
            leak_record(
                pipe_id=pipe.pk,
                at=None,
                found_on=dt.date(2024, 6, 1),
                repaired_on=dt.date(2024, 6, 2),
                user=None,
            ),
            leak_record(pipe_id=other.pk, at=None, found_on=dt.date(2023, 1, 5), user=None),
        ]

        def ids(**kw) -> set[int]:
            return set(leaks_filtered(LeakFilter(**kw)).values_list("pk", flat=True)) & {
                leak.pk for leak in mine
            }

        assert ids(pipe_id=pipe.pk) == {mine[0].pk, mine[1].pk}
        assert ids(zone_code=pipe.supply_zone.code) == {mine[0].pk, mine[1].pk}
        assert ids(found_from=dt.date(2024, 1, 1), found_to=dt.date(2024, 3, 31)) == {mine[0].pk}
        assert ids(repaired=False) == {mine[0].pk, mine[2].pk}


@pytest.mark.django_db(transaction=True)
class ConcurrencyTests:
    """Two engineers save the same pipe from the same version at the same moment."""

    def test_one_writer_wins_the_other_gets_a_conflict(self):
        # Self-contained: a transactional test may run after others emptied the database.
        AdminArea.objects.create(
            code="990001",
            name="test county",
            level="county",
            geom=MultiPolygon(Polygon.from_bbox((100.0, 30.0, 100.1, 30.1)), srid=4326),
        )
        a = (100.05, 30.05)
        b = moved(a, east_m=60)
        pipe_id = draw(a, b).pipe_ids[0]
        routes = {
            "north": LineString([a, moved(a, east_m=30, north_m=5), b]),
            "south": LineString([a, moved(a, east_m=30, north_m=-5), b]),
        }
        outcomes: dict[str, object] = {}
        barrier = threading.Barrier(2)

        def writer(name: str) -> None:
            try:
                barrier.wait(timeout=10)
                pipe_update(pipe_id=pipe_id, version=1, geom=routes[name], user=None)
                outcomes[name] = "saved"
            except NetworkConflict as exc:
                outcomes[name] = exc.current_version
            finally:
                connection.close()

        threads = [threading.Thread(target=writer, args=(name,)) for name in routes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes.values(), key=str) == [2, "saved"]
        winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
        stored = PipeSegment.objects.get(pk=pipe_id)
        assert stored.version == 2
        assert stored.geom.coords[1] == pytest.approx(routes[winner].coords[1], abs=1e-12)
        edits = NetworkChange.objects.filter(pipe_ids__contains=[pipe_id], operation="pipe_update")
        assert edits.count() == 1


class ConflictTests:
    def test_sequential_writers_with_the_same_version(self, target):  # noqa: F811
        version = PipeSegment.objects.get(pk=target.id).version
        first = LineString([target.start, target.beside(4), target.end])
        pipe_update(pipe_id=target.id, version=version, geom=first, user=None)
        before = fingerprint()
        second = LineString([target.start, target.beside(-4), target.end])
        with pytest.raises(NetworkConflict):
            pipe_update(pipe_id=target.id, version=version, geom=second, user=None)
        assert fingerprint() == before
        stored = PipeSegment.objects.get(pk=target.id).geom.coords[1]
        assert stored == pytest.approx(first.coords[1], abs=1e-12)
        with pytest.raises(NetworkError):
            pipe_update(pipe_id=10**9, version=1, user=None)
