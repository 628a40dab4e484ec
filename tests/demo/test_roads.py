"""The demo's major roads (demo/roads.py): they link the towns' seats, stay inside the county,
end at its boundary where they leave it, and come out the same for the same seed (no database).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from demo.common import load_outline, to_metric
from demo.roads import EDGE_INSET_M, Edge, build_roads
from demo.towns import TOWNS
from layers.models.roads import RoadGrade

SEED = 441882
SEATS = {t.code: t.seat for t in TOWNS}
SHORT = {t.short: t.code for t in TOWNS}


@pytest.fixture(scope="module")
def outline():
    return load_outline()


@pytest.fixture(scope="module")
def roads(outline):
    return build_roads(outline, SEED)


def _vertices(road) -> set[tuple[float, float]]:
    return {tuple(xy) for xy in shapely.get_coordinates(road.geom)}


class DemoRoadTests:
    def test_codes_names_and_grades(self, roads):
        """Seven roads with unique codes; every grade one the model accepts; the confirmed
        routes by their real names; G107 (which ends on the 阳山 side) is not among them."""
        by_code = {r.spec.code: r.spec for r in roads}
        assert len(by_code) == len(roads) == 7
        assert {s.grade for s in by_code.values()} <= set(RoadGrade.values)
        assert by_code["G55"].name == "二广高速" and by_code["G55"].grade == "expressway"
        assert by_code["S1"].name == "广连高速"
        assert by_code["G323"].name == "国道G323" and by_code["G323"].grade == "national"
        assert not any("107" in code for code in by_code)

    def test_roads_pass_exactly_through_their_seats(self, roads):
        """Every town waypoint of a road is one of the line's vertices, to the degree: the
        demo's G55 runs 东陂 (112.330, 25.100) → 丰阳 (112.220, 24.990) → 西岸 (112.305,
        24.875), in that order along the line."""
        for road in roads:
            vertices = _vertices(road)
            for w in road.spec.waypoints:
                if isinstance(w, str):
                    assert SEATS[w] in vertices, (road.spec.code, w)
        g55 = next(r for r in roads if r.spec.code == "G55")
        along = [g55.geom.project(shapely.Point(SEATS[SHORT[s]])) for s in ("东陂", "丰阳", "西岸")]
        assert along == sorted(along) and along[0] > 0  # it starts at the north boundary
        assert SEATS[SHORT["东陂"]] == (112.330, 25.100)

    def test_every_seat_is_on_a_road_and_the_network_is_connected(self, roads):
        """All 12 seats lie on some road, and the roads join them into one network: starting
        from 连州镇 and following roads from seat to seat reaches every town."""
        on_road = {
            code: [r.spec.code for r in roads if SEATS[code] in _vertices(r)] for code in SEATS
        }
        assert all(on_road.values()), {c: r for c, r in on_road.items() if not r}
        reached, frontier = {SHORT["连州"]}, [SHORT["连州"]]
        while frontier:
            seat = frontier.pop()
            for road in roads:
                codes = [w for w in road.spec.waypoints if isinstance(w, str)]
                if seat in codes:
                    fresh = set(codes) - reached
                    reached |= fresh
                    frontier += sorted(fresh)
        assert reached == set(SEATS)

    def test_inside_the_county_and_ending_at_its_boundary(self, roads, outline):
        """Every road lies inside the outline (at least EDGE_INSET_M / 2 = 150 m from the
        boundary); a road that leaves the county ends within 2 × EDGE_INSET_M of it, so its
        end is where it leaves, not a dead end in the hills."""
        outline_m = to_metric(outline)
        for road in roads:
            assert outline.contains(road.geom), road.spec.code
            assert road.geom_m.distance(outline_m.boundary) >= EDGE_INSET_M / 2 - 1
            ends = shapely.get_coordinates(road.geom_m)[[0, -1]]
            for end, w in zip(ends, (road.spec.waypoints[0], road.spec.waypoints[-1]), strict=True):
                if isinstance(w, Edge):
                    gap = shapely.Point(end).distance(outline_m.boundary)
                    assert gap <= 2 * EDGE_INSET_M, (road.spec.code, gap)

    def test_no_road_crosses_itself(self, roads):
        for road in roads:
            assert road.geom.is_simple, road.spec.code

    def test_same_seed_same_roads_other_seed_other_bends(self, roads, outline):
        again = build_roads(outline, SEED)
        other = build_roads(outline, SEED + 1)
        for a, b, c in zip(roads, again, other, strict=True):
            assert np.array_equal(shapely.get_coordinates(a.geom), shapely.get_coordinates(b.geom))
            # the seats stay put whatever the seed; the bends between them move
            assert set(SEATS.values()) & _vertices(a) == set(SEATS.values()) & _vertices(c)
        assert any(
            not np.array_equal(shapely.get_coordinates(a.geom), shapely.get_coordinates(c.geom))
            for a, c in zip(roads, other, strict=True)
        )
