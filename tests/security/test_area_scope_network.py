"""Network analysis and hydraulics limited to the reader's area (issue 19).

The second county of tests/security/test_area_scope.py (测试县, a 0.1° square at 113.50–113.60°E,
24.00–24.10°N, beside the demo's Lianzhou under one city) gets a small supplied network of its
own beside the fixture's lone pipe. Its engineer's connected parts, isolations, traces,
hydraulic runs and exports hold only 测试县's pipes; Lianzhou's engineer never sees them (404 for
a pipe or a run), the city's official sees both; a county's service-pressure verdict rests only
on a run its own users can open.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon

from accounts.scope import scope_for_user
from consumption.models import Consumption, WaterUser
from layers.scope import scope_bound
from network.analysis.selectors import network_components
from network.hydraulics.selectors import M_PER_MPA, zone_service_pressure
from network.hydraulics.services import hydraulics_run
from network.models import HydraulicRun, NodePressure, PipeNode, PipeSegment, SupplyZone
from tests.security.test_area_scope import counties, member  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

COMPONENTS = "/api/v1/network/components/"
RUNS = "/api/v1/network/hydraulics/runs/"
EXPORT = "/api/v1/network/hydraulics/export.inp"
MIN_M = round(0.14 * M_PER_MPA, 2)  # 14.28 m


@pytest.fixture
def county_net(counties):  # noqa: F811
    """测试县's supplied network, 113.560–113.564°E at 24.06°N (≈ 203 m between nodes):

        S (source, 100 m) --P1-- A (60 m) --P2-- B (55 m)

    in supply zone T-YZ (the whole square, no water balance: the source's outlet pressure is
    the default 0.3 MPa = 30.59 m, head 130.59 m). User U (public network, 10 m north of P2's
    middle) used 259.2 m³ in June 2025 (30 days) = 8.64 m³/day, half to A and half to B. The
    fixture's lone pipe (113.550–113.552°E, 24.05°N) has no source: an isolated part."""
    other = counties["other"]
    zone = SupplyZone.objects.create(
        code="T-YZ",
        name="测试县供水区",
        geom=MultiPolygon(Polygon.from_bbox((113.50, 24.00, 113.60, 24.10)), srid=4326),
    )
    spec = {"S": ("source", 113.560, 100.0), "A": ("junction", 113.562, 60.0)}
    spec["B"] = ("junction", 113.564, 55.0)
    nodes = {
        name: PipeNode.objects.create(
            code=f"T-Y{name}", kind=kind, elevation_m=elev, geom=Point(lon, 24.06, srid=4326)
        )
        for name, (kind, lon, elev) in spec.items()
    }

    def pipe(code, a, b):
        return PipeSegment.objects.create(
            code=code,
            geom=LineString(nodes[a].geom.coords, nodes[b].geom.coords, srid=4326),
            start_node=nodes[a],
            end_node=nodes[b],
            diameter_mm=150,
            material="PE",
            install_year=2020,
            length_m=203.0,
            supply_zone=zone,
        )

    pipes = {"P1": pipe("T-YP1", "S", "A"), "P2": pipe("T-YP2", "A", "B")}
    user = WaterUser.objects.create(
        code="T-YU",
        name="U",
        sector="services",
        source="public_network",
        geom=Point(113.563, 24.0601, srid=4326),
    )
    Consumption.objects.create(user=user, month=dt.date(2025, 6, 1), volume_m3=259.2)
    for feature in (*nodes.values(), *pipes.values(), user, zone):
        feature.refresh_from_db()
        assert feature.county_id == other.id
    return {**counties, "nodes": nodes, "pipes": pipes, "zone": zone, "water_user": user}


def people(django_user_model, net):
    return {
        "yang": member(django_user_model, "yang", net["other"], "engineer"),
        "lz": member(django_user_model, "lz", net["lianzhou"], "engineer"),
        "qy": member(django_user_model, "qy", net["city"], "engineer"),
    }


class ScopedComponentsTests:
    def test_connected_parts_are_those_of_the_reader_area(self, county_net, django_user_model):
        """测试县's engineer: 2 parts (S–A–B fed by S; the fixture's lone pipe, isolated);
        Lianzhou's: their own parts only, which with 测试县's 2 make the city's count; 测试县's
        source is never among Lianzhou's sources."""
        who = people(django_user_model, county_net)

        def parts(user) -> dict:
            with scope_bound(lambda: scope_for_user(user)):
                return network_components(isolated_only=False)

        yang, lz, qy = parts(who["yang"]), parts(who["lz"]), parts(who["qy"])
        source = county_net["nodes"]["S"].pk
        assert (yang["count"], yang["supplied"], yang["isolated"]) == (2, 1, 1)
        assert yang["isolated_pipes"] == 1
        assert [s["id"] for s in yang["sources"]] == [source]
        assert yang["components"][0]["pipe_count"] == 2  # largest first
        assert [p["id"] for p in yang["components"][1]["pipes"]] == [county_net["pipe"].pk]
        assert lz["count"] + 2 == qy["count"] and lz["isolated"] + 1 == qy["isolated"]
        assert source not in [s["id"] for s in lz["sources"]]
        ours = {p.pk for p in county_net["pipes"].values()} | {county_net["pipe"].pk}
        for part in lz["components"]:
            assert not ours & {p["id"] for p in part["pipes"] or []}

    def test_the_components_api(self, client, county_net, django_user_model):
        who = people(django_user_model, county_net)
        client.force_login(who["yang"])
        body = client.get(COMPONENTS, {"isolated": "true"}).json()
        assert body["count"] == 2 and [c["pipe_count"] for c in body["components"]] == [1]


class ScopedIsolationAndTraceTests:
    def test_isolation_and_trace_in_the_second_county(self, client, county_net, django_user_model):
        """Isolating P2 (测试县's engineer): the walk from A and B crosses P1 and stops at the
        source S; no valve, nothing else loses supply; U (on P2) is cut off with 8.64 m³/day.
        Downstream of P1: P2. Lianzhou's engineer: 404 for both; the city's: the same answer."""
        who = people(django_user_model, county_net)
        p1, p2 = county_net["pipes"]["P1"].pk, county_net["pipes"]["P2"].pk
        isolation = f"/api/v1/network/pipes/{p2}/isolation/"
        trace = f"/api/v1/network/pipes/{p1}/trace/"
        client.force_login(who["yang"])
        answer = client.get(isolation).json()
        assert [p["id"] for p in answer["isolated"]["pipes"]] == [p1, p2]
        assert answer["valves"] == [] and answer["without_supply"]["count"] == 0
        assert [s["code"] for s in answer["supply_points"]] == ["T-YS"]
        assert answer["users"]["count"] == 1 and answer["users"]["demand_m3_per_day"] == 8.64
        assert [p["id"] for p in client.get(trace).json()["pipes"]] == [p2]
        client.force_login(who["lz"])
        assert client.get(isolation).status_code == 404
        assert client.get(trace).status_code == 404
        client.force_login(who["qy"])
        assert client.get(isolation).json()["isolated"] == answer["isolated"]


class ScopedHydraulicsTests:
    def test_a_county_run_holds_only_its_pipes_and_only_its_readers_see_it(
        self, api_client, county_net, django_user_model
    ):
        """测试县's engineer runs the steady state (DDA): 2 pipes, junctions A and B (S is the
        reservoir), counties = [测试县]; pressures = head 130.59 m − elevation: A 70.59 m,
        B 75.59 m. Lianzhou's engineer: not in the list, 404 for the run; the city's: both."""
        who = people(django_user_model, county_net)
        api_client.force_authenticate(who["yang"])
        created = api_client.post(RUNS, {"hours": 0, "demand_model": "DDA"}, format="json")
        assert created.status_code == 201, created.content
        run = created.json()
        assert run["pipe_count"] == 2 and run["node_count"] == 2
        assert run["counties"] == [county_net["other"].id]
        detail = api_client.get(f"{RUNS}{run['id']}/").json()
        pressures = {n["code"]: n["pressure_steady_m"] for n in detail["nodes"]}
        assert pressures == pytest.approx({"T-YA": 70.59, "T-YB": 75.59}, abs=0.05)
        assert [z["code"] for z in detail["zones"]] == ["T-YZ"]
        assert api_client.get(RUNS).json()["runs"][0]["id"] == run["id"]

        api_client.force_authenticate(who["lz"])
        assert run["id"] not in [r["id"] for r in api_client.get(RUNS).json()["runs"]]
        assert api_client.get(f"{RUNS}{run['id']}/").status_code == 404
        api_client.force_authenticate(who["qy"])
        assert api_client.get(f"{RUNS}{run['id']}/").status_code == 200

    def test_the_export_of_a_county(self, api_client, county_net, django_user_model):
        """测试县's export: its 2 pipes, titled with its name. Lianzhou's engineer asking for
        测试县's zone T-YZ gets nothing to export (400)."""
        who = people(django_user_model, county_net)
        api_client.force_authenticate(who["yang"])
        response = api_client.get(EXPORT, {"hours": 0})
        assert response.status_code == 200
        text = response.content.decode()
        section = text.split("[PIPES]")[1].split("[")[0]
        rows = [r for r in section.splitlines() if r.strip() and not r.startswith(";")]
        assert len(rows) == 2 and all("T-YP" in r for r in rows)
        assert "测试县 water network" in text.split("[TITLE]")[1].split("[")[0]
        api_client.force_authenticate(who["lz"])
        refused = api_client.get(EXPORT, {"hours": 0, "zone": "T-YZ"})
        assert refused.status_code == 400

    def test_a_county_verdict_rests_on_a_run_its_users_can_open(
        self, county_net, django_user_model
    ):
        """A run over both counties (newer) is seen by the city, not by 测试县's engineer, and
        does not set 测试县's service pressure: the county's own run does (A and B judged, both
        above 14.28 m). Lianzhou's verdict never cites 测试县's run."""
        who = people(django_user_model, county_net)
        with scope_bound(lambda: scope_for_user(who["yang"])):
            run = hydraulics_run(user=who["yang"], hours=0, demand_model="DDA")
        assert run.options["demand_year"] == 2025
        both = HydraulicRun.objects.create(
            status="done",
            counties=sorted([county_net["other"].id, county_net["lianzhou"].id]),
            options={"demand_year": 2025},
        )
        NodePressure.objects.create(
            run=both,
            node=county_net["nodes"]["A"],
            demand_lps=0.05,
            pressure_steady_m=1.0,
            pressure_min_m=1.0,
            pressure_mean_m=1.0,
        )
        for name, seen in (("yang", [run.pk]), ("qy", [both.pk, run.pk])):
            with scope_bound(lambda u=who[name]: scope_for_user(u)):
                ids = list(HydraulicRun.objects.values_list("id", flat=True))
            assert [i for i in ids if i in (run.pk, both.pk)] == seen
        verdict = zone_service_pressure(county_net["other"].id, 2025, MIN_M)
        figures = verdict[county_net["zone"].id]
        assert figures["run_id"] == run.pk
        assert (figures["judged"], figures["ok"], figures["lowest_code"]) == (2, 2, "T-YA")
        lianzhou = zone_service_pressure(county_net["lianzhou"].id, 2025, MIN_M)
        assert all(f["run_id"] not in (run.pk, both.pk) for f in lianzhou.values())
