"""Burst isolation, connected parts and traces on the database: a hand-made network with water
users (the answer worked out in the docstrings), then the demo county's 20,000 pipes, then the
API (status codes, permissions, a GET that writes nothing, a bounded number of queries)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import LineString, Point

from consumption.models import Consumption, WaterUser
from network.analysis import selectors
from network.models import PipeNode, PipeSegment
from network.services.check import network_problems
from tests.network.test_check import found, manifest  # noqa: F401 - a fixture
from tests.network.test_services import (
    fingerprint,
    moved,
    spot,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db

# Where the hand-made network's nodes are, in metres east and north of `spot` (a point of the
# county 2 km from any demo node), and their kinds.
NODES = {
    "T-S": ("source", 0, 0),
    "T-J1": ("junction", 100, 0),
    "T-V1": ("valve", 200, 0),
    "T-J2": ("junction", 300, 0),
    "T-J3": ("junction", 400, 0),
    "T-V2": ("valve", 500, 0),
    "T-J4": ("junction", 600, 0),
    "T-E1": ("end_cap", 700, 0),
    "T-J5": ("junction", 300, -100),
    "T-E2": ("end_cap", 300, -200),
}
# Pipes: code → (start, end), 100 m each, in service.
PIPES = {
    "T-P1": ("T-S", "T-J1"),
    "T-P2": ("T-J1", "T-V1"),
    "T-P3": ("T-V1", "T-J2"),
    "T-P4": ("T-J2", "T-J3"),
    "T-P5": ("T-J3", "T-V2"),
    "T-P6": ("T-V2", "T-J4"),
    "T-P7": ("T-J4", "T-E1"),
    "T-P8": ("T-J2", "T-J5"),
    "T-P9": ("T-J5", "T-E2"),
}


@pytest.fixture
def hand_made(spot):  # noqa: F811
    """The branched network of tests/network/test_isolation_graph.py, drawn at `spot`:

        S --P1-- J1 --P2-- V1 --P3-- J2 --P4-- J3 --P5-- V2 --P6-- J4 --P7-- E1
                  :                   |                             :
                  :                   P8                            :
                  :                   |                             :
                  :                   J5 --P9-- E2                  :
                  :.............. T-PX (abandoned) .................:

    T-PX, abandoned, would join J4 back to J1 around both valves if it carried water.
    Water users (metres east, north of spot):
      U1 (650, 20), public network: 20 m from P7, its nearest pipe (P6's end is 54 m away).
         Consumption 100 m³ a month in 2024, then 310 m³ in January 2025 and 280 m³ in
         February 2025: latest year 2025, 590 m³ over 31 + 28 = 59 days = 10.0 m³/day.
      U2 (310, -150), public network: 10 m from P9. 93 m³ in March 2025 (31 days): 3.0 m³/day.
      U3 (50, 15), public network: 15 m from P1. 62 m³ in May 2025: 2.0 m³/day.
      U4 (350, 5), groundwater: on no pipe, whatever is near.
      U5 (400, 400), public network: 400 m from the nearest pipe, beyond the 300 m of a
         service connection: not served by the mapped network.
    """
    nodes = {
        code: PipeNode.objects.create(code=code, kind=kind, geom=Point(moved(spot, e, n)))
        for code, (kind, e, n) in NODES.items()
    }

    def pipe(code, a, b, *via, status="in_service"):
        coords = [nodes[a].geom.coords, *via, nodes[b].geom.coords]
        return PipeSegment.objects.create(
            code=code,
            geom=LineString(coords, srid=4326),
            start_node=nodes[a],
            end_node=nodes[b],
            diameter_mm=100,
            material="PE",
            status=status,
            length_m=100.0 * (len(coords) - 1),
        )

    pipes = {code: pipe(code, a, b) for code, (a, b) in PIPES.items()}
    pipes["T-PX"] = pipe("T-PX", "T-J4", "T-J1", moved(spot, 350, 50), status="abandoned")

    def user(code, e, n, source="public_network", use=()):
        u = WaterUser.objects.create(
            code=code, name=code, geom=Point(moved(spot, e, n)), sector="services", source=source
        )
        for month, volume in use:
            Consumption.objects.create(user=u, month=month, volume_m3=volume)
        return u

    users = {
        "U1": user(
            "T-U1",
            650,
            20,
            use=[(dt.date(2024, m, 1), 100) for m in range(1, 13)]
            + [(dt.date(2025, 1, 1), 310), (dt.date(2025, 2, 1), 280)],
        ),
        "U2": user("T-U2", 310, -150, use=[(dt.date(2025, 3, 1), 93)]),
        "U3": user("T-U3", 50, 15, use=[(dt.date(2025, 5, 1), 62)]),
        "U4": user("T-U4", 350, 5, source="groundwater", use=[(dt.date(2025, 1, 1), 1000)]),
        "U5": user("T-U5", 400, 400, use=[(dt.date(2025, 1, 1), 1000)]),
    }
    return {"nodes": nodes, "pipes": pipes, "users": users}


def codes(items) -> list[str]:
    return [i["code"] for i in items]


class HandMadeIsolationTests:
    def test_burst_between_two_valves(self, hand_made):
        """Burst on P4 (J2-J3): close V1 and V2; isolated P3, P4, P5, P8, P9 (500 m); P6 and P7
        lose their supply (200 m) — the abandoned T-PX would have fed them round the valves,
        but it carries no water. Users: U2 on P9 (isolated, 3.0 m³/d) and U1 on P7 (without
        supply, 10.0 m³/d): 2 users, 13.0 m³/d. U3 on P1 keeps its water; U4 is not on the
        network and U5 is too far from it."""
        answer = selectors.pipe_isolation(
            hand_made["pipes"]["T-P4"].pk, user_details=True, geometry=False
        )
        assert answer["pipe"]["code"] == "T-P4"
        assert codes(answer["valves"]) == ["T-V1", "T-V2"]
        assert answer["supply_points"] == []
        assert codes(answer["isolated"]["pipes"]) == ["T-P3", "T-P4", "T-P5", "T-P8", "T-P9"]
        assert answer["isolated"]["length_m"] == 500.0
        assert codes(answer["without_supply"]["pipes"]) == ["T-P6", "T-P7"]
        assert answer["without_supply"]["length_m"] == 200.0
        users = answer["users"]
        assert (users["count"], users["demand_m3_per_day"]) == (2, 13.0)
        by_code = {u["code"]: u for u in users["items"]}
        assert by_code["T-U1"]["cut"] == "without_supply"
        assert by_code["T-U1"]["pipe_id"] == hand_made["pipes"]["T-P7"].pk
        assert (by_code["T-U1"]["demand_year"], by_code["T-U1"]["demand_m3_per_day"]) == (
            2025,
            10.0,
        )
        assert by_code["T-U2"]["cut"] == "isolated"
        assert by_code["T-U2"]["demand_m3_per_day"] == 3.0
        valve = answer["valves"][0]["coordinates"]  # where the valve node is
        assert valve == pytest.approx(list(hand_made["nodes"]["T-V1"].geom.coords), abs=1e-7)

    def test_burst_next_to_the_source(self, hand_made):
        """Burst on P1 (S-J1): the source's outlet is shut (a supply point at the edge) and V1
        closed; isolated P1, P2; P3 to P9 are without supply. Users: U3 on P1 (isolated,
        2.0), U1 and U2 (without supply, 10.0 + 3.0): 3 users, 15.0 m³/d."""
        answer = selectors.pipe_isolation(
            hand_made["pipes"]["T-P1"].pk, user_details=True, geometry=True
        )
        assert codes(answer["valves"]) == ["T-V1"]
        assert [(p["code"], p["kind"]) for p in answer["supply_points"]] == [("T-S", "source")]
        assert codes(answer["isolated"]["pipes"]) == ["T-P1", "T-P2"]
        assert codes(answer["without_supply"]["pipes"]) == [f"T-P{i}" for i in range(3, 10)]
        assert (answer["users"]["count"], answer["users"]["demand_m3_per_day"]) == (3, 15.0)
        geometry = answer["geometry"]
        assert geometry["isolated"]["type"] == "MultiLineString"
        assert len(geometry["isolated"]["coordinates"]) == 2
        assert len(geometry["without_supply"]["coordinates"]) == 7

    def test_traces(self, hand_made):
        """Downstream of P2: P3 to P9 (everything past V1), with U1 and U2 on them (U3 is on
        P1, upstream): 2 users, 13.0 m³/d. Upstream of P9: P1, P2, P3, P8."""
        pipes = hand_made["pipes"]
        down = selectors.pipe_trace(
            pipes["T-P2"].pk, "downstream", user_details=True, geometry=False
        )
        assert down["supplied"] is True
        assert codes(down["pipes"]) == [f"T-P{i}" for i in range(3, 10)]
        assert (down["users"]["count"], down["users"]["demand_m3_per_day"]) == (2, 13.0)
        up = selectors.pipe_trace(pipes["T-P9"].pk, "upstream", user_details=True, geometry=True)
        assert codes(up["pipes"]) == ["T-P1", "T-P2", "T-P3", "T-P8"]
        assert up["length_m"] == 400.0
        assert len(up["geometry"]["coordinates"]) == 4

    def test_without_its_source_the_network_is_an_isolated_part(self, hand_made):
        """Turned into a junction, the source feeds nothing: the nine pipes become a part no
        source feeds, listed with its pipes; a burst there cuts off no other pipe."""
        PipeNode.objects.filter(code="T-S").update(kind="junction")
        parts = selectors.network_components(isolated_only=True)
        ours = [c for c in parts["components"] if "T-P1" in codes(c["pipes"])]
        assert len(ours) == 1
        assert sorted(codes(ours[0]["pipes"])) == sorted(PIPES)
        assert ours[0]["sources"] == [] and ours[0]["supplied"] is False
        assert ours[0]["length_m"] == 900.0
        assert all(not c["supplied"] for c in parts["components"])
        answer = selectors.pipe_isolation(
            hand_made["pipes"]["T-P4"].pk, user_details=False, geometry=False
        )
        assert answer["without_supply"]["count"] == 0
        assert answer["users"]["items"] is None  # counted, not named
        trace = selectors.pipe_trace(
            hand_made["pipes"]["T-P2"].pk, "downstream", user_details=True, geometry=False
        )
        assert trace["supplied"] is False and trace["pipes"] == []


class DemoIsolationTests:
    def test_every_in_service_pipe_has_an_answer(self):
        """The isolation walk splits the demo's in-service pipes into segments (every pipe of a
        segment has the same answer): together they hold every in-service pipe once. The
        complete answer is checked on the largest segment and on every 25th."""
        data = selectors.network_data()
        graph = data.graph
        in_service = set(
            PipeSegment.objects.filter(status="in_service").values_list("id", flat=True)
        )
        assert set(graph.ends) == in_service and len(in_service) > 19_000
        segments, seen = [], set()
        for pipe in sorted(graph.ends):
            if pipe in seen:
                continue
            valves, feeds, isolated = graph.segment(pipe)
            assert pipe in isolated and not isolated & seen
            assert valves <= graph.valves and feeds <= graph.feeds
            seen |= isolated
            segments.append((pipe, len(valves), len(isolated)))
        assert seen == in_service
        largest = max(segments, key=lambda s: s[2])
        for pipe, n_valves, n_pipes in [largest, *segments[::25]]:
            result = graph.isolation(pipe)
            assert (len(result.valves), len(result.isolated)) == (n_valves, n_pipes)
            assert not set(result.without_supply) & set(result.isolated)
            assert set(result.without_supply) <= graph.supplied_now
            other = graph.isolation(result.isolated[-1])  # another pipe of the segment
            assert (other.valves, other.feeds, other.isolated, other.without_supply) == (
                result.valves,
                result.feeds,
                result.isolated,
                result.without_supply,
            )

    def test_a_burst_isolated_with_at_most_four_valves(self):
        """Some demo burst is closed off by 1 to 4 valves; its answer names them and adds up:
        the users' demands make the total."""
        graph = selectors.network_data().graph
        seen, small = set(), None
        for pipe in sorted(graph.ends):
            if pipe in seen:
                continue
            valves, _feeds, isolated = graph.segment(pipe)
            seen |= isolated
            if 1 <= len(valves) <= 4 and len(isolated) >= 3:
                small = pipe
                break
        assert small is not None
        answer = selectors.pipe_isolation(small, user_details=True, geometry=False)
        assert 1 <= len(answer["valves"]) <= 4
        assert all(v["kind"] == "valve" for v in answer["valves"])
        users = answer["users"]
        assert users["demand_m3_per_day"] == pytest.approx(
            sum(u["demand_m3_per_day"] or 0 for u in users["items"]), abs=0.01
        )

    def test_isolated_parts_are_the_network_check_s_disconnected_parts(self, manifest):  # noqa: F811
        """The parts no source feeds are the demo's planted disconnected parts, as the network
        check finds them."""
        parts = selectors.network_components(isolated_only=True)
        ours = {frozenset(codes(c["pipes"])) for c in parts["components"]}
        assert ours == found(network_problems(), "disconnected_part")
        assert ours == {frozenset(p) for p in manifest["network_problems"]["disconnected_parts"]}
        assert parts["isolated"] == len(ours) and parts["supplied"] >= 1
        assert all(s["component"] for s in parts["sources"])


ISOLATION = "/api/v1/network/pipes/{}/isolation/"
TRACE = "/api/v1/network/pipes/{}/trace/"
COMPONENTS = "/api/v1/network/components/"


class IsolationApiTests:
    def test_official_reads_the_isolation_and_nothing_is_written(
        self, client, official, hand_made, django_assert_max_num_queries
    ):
        client.force_login(official)
        before = fingerprint()
        with django_assert_max_num_queries(10):
            response = client.get(ISOLATION.format(hand_made["pipes"]["T-P4"].pk))
        assert response.status_code == 200
        body = response.json()
        assert codes(body["valves"]) == ["T-V1", "T-V2"]
        assert body["users"]["demand_m3_per_day"] == 13.0
        assert fingerprint() == before

    def test_engineer_gets_the_geometry_and_the_traces(self, client, engineer, hand_made):
        client.force_login(engineer)
        pipe = hand_made["pipes"]["T-P4"].pk
        body = client.get(ISOLATION.format(pipe), {"geometry": "true"}).json()
        assert len(body["geometry"]["isolated"]["coordinates"]) == 5
        up = client.get(TRACE.format(pipe), {"direction": "upstream"}).json()
        assert codes(up["pipes"]) == ["T-P1", "T-P2", "T-P3"]
        down = client.get(TRACE.format(pipe)).json()  # downstream by default
        assert down["direction"] == "downstream"
        assert codes(down["pipes"]) == ["T-P5", "T-P6", "T-P7"]

    def test_unknown_abandoned_and_planned_pipes_and_bad_parameters(
        self, client, official, hand_made
    ):
        client.force_login(official)
        missing = client.get(ISOLATION.format(987654321))
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
        abandoned = client.get(ISOLATION.format(hand_made["pipes"]["T-PX"].pk))
        assert abandoned.status_code == 400
        assert abandoned.json()["error"]["details"]["problem"] == "pipe_abandoned"
        assert "T-PX" in abandoned.json()["error"]["message"]
        PipeSegment.objects.filter(code="T-P9").update(status="planned")
        planned = client.get(TRACE.format(hand_made["pipes"]["T-P9"].pk))
        assert planned.status_code == 400
        assert planned.json()["error"]["details"]["problem"] == "pipe_not_in_service"
        pipe = hand_made["pipes"]["T-P4"].pk
        for url, params, field in [
            (TRACE.format(pipe), {"direction": "sideways"}, "direction"),
            (ISOLATION.format(pipe), {"geometry": "maybe"}, "geometry"),
            (COMPONENTS, {"isolated": "perhaps"}, "isolated"),
        ]:
            response = client.get(url, params)
            assert response.status_code == 400, url
            assert field in response.json()["error"]["details"]

    def test_components(self, client, official, manifest):  # noqa: F811
        client.force_login(official)
        body = client.get(COMPONENTS, {"isolated": "true"}).json()
        planted = {frozenset(p) for p in manifest["network_problems"]["disconnected_parts"]}
        assert {frozenset(codes(c["pipes"])) for c in body["components"]} == planted
        every = client.get(COMPONENTS).json()
        assert every["count"] == len(every["components"]) == body["count"]
        fed = [c for c in every["components"] if c["supplied"]]
        assert fed and all(c["pipes"] is None and c["sources"] for c in fed)
        lon0, lat0, lon1, lat1 = fed[0]["bbox"]
        assert 112 < lon0 < lon1 < 113 and 24 < lat0 < lat1 < 26

    def test_users_are_named_only_to_who_may_read_them(self, client, django_user_model, hand_made):
        """A reader of the pipes without the water users' layer gets their count and demand,
        not who they are."""
        reader = django_user_model.objects.create_user("pipes-only", password="x")  # noqa: S106
        reader.user_permissions.add(Permission.objects.get(codename="view_pipesegment"))
        client.force_login(reader)
        body = client.get(ISOLATION.format(hand_made["pipes"]["T-P4"].pk)).json()
        assert (body["users"]["count"], body["users"]["items"]) == (2, None)
        assert body["users"]["demand_m3_per_day"] == 13.0

    def test_anonymous_and_readers_without_the_pipes_are_refused(self, client, hand_made):
        url = ISOLATION.format(hand_made["pipes"]["T-P4"].pk)
        assert client.get(url).status_code in (401, 403)
        assert client.get(COMPONENTS).status_code in (401, 403)

    def test_the_body_is_json_in_utf8(self, client, official, hand_made):
        client.force_login(official)
        response = client.get(ISOLATION.format(hand_made["pipes"]["T-P4"].pk))
        assert response["Content-Type"].startswith("application/json")
        assert json.loads(response.content.decode("utf-8"))["pipe"]["code"] == "T-P4"
