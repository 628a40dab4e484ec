"""Hydraulics on the database: a hand-made network exported (elevations, users' demand, the
plant's head, C, isolated parts) and run (pressures stored, the node below the minimum
flagged), its .inp imported back, a demo supply zone run within its bound, and the API
(permissions, 400s, 404, GeoJSON, query counts)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from consumption.models import Consumption, WaterUser
from network.hydraulics import services
from network.hydraulics.selectors import M_PER_MPA, hydraulic_export
from network.models import (
    HydraulicRun,
    NodePressure,
    PipeNode,
    PipeSegment,
    SupplyZone,
    WaterBalance,
)
from tests.network.test_services import moved, spot  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

ZONE = "T-HZ"
MIN_M = round(services.DEFAULT_MIN_PRESSURE_MPA * M_PER_MPA, 2)  # 0.14 MPa = 14.28 m


def plant_head(point: Point, elevation: float) -> float:
    """The export's rule: elevation + the outlet pressure of the first supply zone (by code)
    the plant lies in, from its latest balance, × 101.97 m/MPa; else 0.3 MPa."""
    zone = SupplyZone.objects.filter(geom__intersects=point).order_by("code").first()
    balance = zone and WaterBalance.objects.filter(zone=zone).order_by("-year").first()
    mpa = balance.mean_outlet_pressure_mpa if balance else 0.3
    return elevation + mpa * M_PER_MPA


@pytest.fixture
def net(spot):  # noqa: F811
    """At `spot` (metres east, north), all pipes DN150 PE laid in 2020 (C 140), 100 m long:

        W (plant, 100 m) --P1-- J1 (60 m) --P2-- J2 (55 m)
                                  |
                                  P3
                                  |
                                  J3 (head − 5 m: 5 m of pressure at most)
        I1 --PI-- I2   (400 m north: no source, left out)
        J2 --PX-- W    abandoned: never exported

    U1 (150, 10) on P2: 259.2 m³ in June 2025 (30 days) = 8.64 m³/day = 0.1 L/s, half to J1
    and half to J2 (0.05 L/s each). Flows of 0.1 L/s in DN150 lose < 1 mm over 100 m, so
    each pressure is the plant's head − the node's elevation; J3's is 5 m < 14.28 m: flagged.
    """
    square = Polygon.from_bbox((*moved(spot, -500, -500), *moved(spot, 500, 600)))
    zone = SupplyZone.objects.create(code=ZONE, name="test", geom=MultiPolygon(square))
    w_point = Point(spot, srid=4326)
    head = plant_head(w_point, 100.0)
    spec = {
        "T-HW": ("plant", 0, 0, 100.0),
        "T-HJ1": ("junction", 100, 0, 60.0),
        "T-HJ2": ("junction", 200, 0, 55.0),
        "T-HJ3": ("junction", 100, -100, round(head - 5, 2)),
        "T-HI1": ("junction", 0, 400, 50.0),
        "T-HI2": ("junction", 100, 400, 50.0),
    }
    nodes = {
        code: PipeNode.objects.create(
            code=code, kind=kind, geom=Point(moved(spot, e, n)), elevation_m=elevation
        )
        for code, (kind, e, n, elevation) in spec.items()
    }

    def pipe(code, a, b, status="in_service"):
        return PipeSegment.objects.create(
            code=code,
            geom=LineString([nodes[a].geom.coords, nodes[b].geom.coords], srid=4326),
            start_node=nodes[a],
            end_node=nodes[b],
            diameter_mm=150,
            material="PE",
            install_year=2020,
            status=status,
            length_m=100.0,
            supply_zone=zone,
        )

    pipes = {
        "P1": pipe("T-HP1", "T-HW", "T-HJ1"),
        "P2": pipe("T-HP2", "T-HJ1", "T-HJ2"),
        "P3": pipe("T-HP3", "T-HJ1", "T-HJ3"),
        "PI": pipe("T-HPI", "T-HI1", "T-HI2"),
        "PX": pipe("T-HPX", "T-HJ2", "T-HW", status="abandoned"),
    }
    user = WaterUser.objects.create(
        code="T-HU1",
        name="U1",
        geom=Point(moved(spot, 150, 10)),
        sector="services",
        source="public_network",
    )
    Consumption.objects.create(user=user, month=dt.date(2025, 6, 1), volume_m3=259.2)
    return {"nodes": nodes, "pipes": pipes, "head": head}


class ExportTests:
    def test_hand_made_export(self, net):
        export = hydraulic_export(hours=0, zone=ZONE, year=2025)
        model = export.model
        assert [r.id for r in model.reservoirs] == ["T-HW"]
        assert model.reservoirs[0].head_m == pytest.approx(net["head"], abs=0.01)
        junctions = {j.id: j for j in model.junctions}
        assert sorted(junctions) == ["T-HJ1", "T-HJ2", "T-HJ3"]
        assert junctions["T-HJ1"].elevation_m == 60.0
        assert junctions["T-HJ1"].demand_lps == pytest.approx(0.05, abs=1e-6)
        assert junctions["T-HJ2"].demand_lps == pytest.approx(0.05, abs=1e-6)
        assert junctions["T-HJ3"].demand_lps == 0
        assert sorted(p.id for p in model.pipes) == ["T-HP1", "T-HP2", "T-HP3"]
        assert {p.c for p in model.pipes} == {140.0}
        assert {p.length_m for p in model.pipes} == {100.0}
        assert export.isolated == {"parts": 1, "pipes": 1, "nodes": 2}
        assert any("without a source" in w for w in export.warnings)
        assert export.options["served_users"] == 1
        assert model.multipliers == []


class RunTests:
    def test_run_stores_pressures_and_flags_the_high_node(self, net, engineer):
        run = services.hydraulics_run(user=engineer, hours=0, zone=ZONE, demand_model="DDA")
        assert run.status == "done" and run.created_by == engineer
        assert (run.node_count, run.reservoir_count, run.pipe_count) == (3, 1, 3)
        got = {p.node.code: p for p in NodePressure.objects.filter(run=run).select_related("node")}
        for code, elevation in (("T-HJ1", 60.0), ("T-HJ2", 55.0)):
            assert got[code].pressure_steady_m == pytest.approx(net["head"] - elevation, abs=0.01)
            assert not got[code].below_minimum
        assert got["T-HJ3"].pressure_min_m == pytest.approx(5.0, abs=0.01)
        assert got["T-HJ3"].below_minimum
        assert run.below_count == 1
        assert run.options["users_below"] == 0
        assert run.options["min_pressure_m"] == MIN_M

    def test_extended_period_pda(self, net):
        """6 h with the pattern: the lowest pressure at J1 is at most its steady one; under
        PDA J3 (5 m < 14.28 m required) has no demand, so nothing to deliver (share None)."""
        run = services.hydraulics_run(hours=6, zone=ZONE)
        j1 = NodePressure.objects.get(run=run, node=net["nodes"]["T-HJ1"])
        assert j1.pressure_min_m <= j1.pressure_steady_m + 1e-6
        assert 0 <= j1.at_hour <= 6
        assert j1.delivered_share == pytest.approx(1.0, abs=1e-3)
        j3 = NodePressure.objects.get(run=run, node=net["nodes"]["T-HJ3"])
        assert j3.delivered_share is None and j3.below_minimum

    def test_refused_options_write_nothing(self, net):
        before = HydraulicRun.objects.count()
        for kwargs in ({"hours": -1}, {"engine": "x"}, {"min_pressure_mpa": 0}):
            with pytest.raises(services.HydraulicsError):
                services.hydraulics_run(zone=ZONE, **kwargs)
        with pytest.raises(services.HydraulicsError):
            services.hydraulics_run(zone="NO-SUCH-ZONE")
        assert HydraulicRun.objects.count() == before

    def test_size_bound_records_a_failed_run(self, net, settings):
        settings.HYDRAULICS_MAX_NODES = 2
        with pytest.raises(services.HydraulicsError) as caught, translation.override("en"):
            services.hydraulics_run(hours=0, zone=ZONE)  # the error in the runner's language
        assert caught.value.problem == "network_too_large"
        run = HydraulicRun.objects.latest("id")
        assert run.status == "failed" and "at most 2" in run.error
        assert not NodePressure.objects.filter(run=run).exists()

    def test_demo_zone_runs_within_its_bound(self, settings):
        """Demo supply zone SZ05 (about 600 junctions, one plant), 24 h, within 60 s."""
        settings.HYDRAULICS_TIMEOUT_S = 60
        run = services.hydraulics_run(hours=24, zone="SZ05")
        assert run.status == "done"
        assert run.node_count > 500 and run.reservoir_count >= 1
        assert NodePressure.objects.filter(run=run).count() == run.node_count
        assert run.below_count == NodePressure.objects.filter(run=run, below_minimum=True).count()


class ImportTests:
    def test_export_and_import_back(self, net, engineer, api_client):
        """The .inp downloaded from the API, sent back as a run from elsewhere: the same
        junctions, matched by code, with the same steady pressures."""
        api_client.force_authenticate(engineer)
        response = api_client.get(
            "/api/v1/network/hydraulics/export.inp", {"zone": ZONE, "hours": 0}
        )
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith(f'network-{ZONE}.inp"')
        text = response.content.decode()
        assert "[JUNCTIONS]" in text and "T-HJ3" in text and "Demand Model\tPDA" in text
        ours = services.hydraulics_run(hours=0, zone=ZONE)
        upload = SimpleUploadedFile("calibrated.inp", response.content, "text/plain")
        answer = api_client.post(
            "/api/v1/network/hydraulics/runs/import/",
            {"file": upload, "hours": 0},
            format="multipart",
        )
        assert answer.status_code == 201, answer.content
        data = answer.json()
        assert data["source"] == "import" and data["node_count"] == 3
        assert data["options"]["file_name"] == "calibrated.inp"
        theirs = {
            p.node_id: p.pressure_steady_m for p in NodePressure.objects.filter(run_id=data["id"])
        }
        for p in NodePressure.objects.filter(run=ours):
            assert theirs[p.node_id] == pytest.approx(p.pressure_steady_m, abs=0.01)

    def test_unknown_junctions_are_counted_not_stored(self, net):
        text = (
            "[JUNCTIONS]\nT-HJ1\t60\t0\nNOPE\t10\t0\n[RESERVOIRS]\nR\t120\n"
            "[PIPES]\nA\tR\tT-HJ1\t100\t150\t140\nB\tT-HJ1\tNOPE\t100\t150\t140\n"
            "[OPTIONS]\nUnits\tLPS\nHeadloss\tH-W\n[END]\n"
        )
        run = services.hydraulics_import(content=text.encode(), hours=0)
        assert run.node_count == 1
        assert any("match no node" in w for w in run.warnings)
        assert NodePressure.objects.get(run=run).pressure_steady_m == pytest.approx(60, abs=0.01)

    def test_bad_files(self, net):
        with pytest.raises(services.HydraulicsError) as caught:
            services.hydraulics_import(content=b"hello", hours=0)
        assert caught.value.problem == "file_not_inp"
        with pytest.raises(services.HydraulicsError) as caught:
            services.hydraulics_import(content=b"\xff\xfe\x00[JUNCTIONS]\x81", hours=0)
        assert caught.value.problem in ("file_encoding", "file_not_inp")
        broken = b"[JUNCTIONS]\nJ1\tten\t0\n[PIPES]\nP\tJ1\tJ9\t1\t1\t1\n[END]\n"
        with pytest.raises(services.HydraulicsError) as caught:
            services.hydraulics_import(content=broken, hours=0)
        assert caught.value.problem == "simulation_failed"
        assert HydraulicRun.objects.latest("id").status == "failed"


class ApiTests:
    RUNS = "/api/v1/network/hydraulics/runs/"
    EXPORT = "/api/v1/network/hydraulics/export.inp"

    def test_permissions(self, net, api_client, official):
        assert api_client.get(self.RUNS).status_code in (401, 403)
        api_client.force_authenticate(official)
        assert api_client.get(self.RUNS).status_code == 200
        assert api_client.get(self.EXPORT, {"zone": ZONE}).status_code == 403
        before = HydraulicRun.objects.count()
        assert api_client.post(self.RUNS, {"zone": ZONE}, format="json").status_code == 403
        assert HydraulicRun.objects.count() == before

    def test_run_list_detail_geojson(
        self, net, api_client, engineer, django_assert_max_num_queries
    ):
        api_client.force_authenticate(engineer)
        response = api_client.post(
            self.RUNS, {"zone": ZONE, "hours": 0, "demand_model": "DDA"}, format="json"
        )
        assert response.status_code == 201, response.content
        run = response.json()
        assert run["status"] == "done" and run["created_by"] == "engineer"
        assert run["zones"][0]["junctions"] >= 3
        with django_assert_max_num_queries(8):
            detail = api_client.get(f"{self.RUNS}{run['id']}/").json()
        assert [n["code"] for n in detail["nodes"]][0] == "T-HJ3"  # lowest first
        assert detail["nodes"][0]["below_minimum"] is True
        with django_assert_max_num_queries(8):
            geo = api_client.get(f"{self.RUNS}{run['id']}/", {"geojson": "true", "below": "true"})
        features = geo.json()["features"]
        assert [f["properties"]["code"] for f in features] == ["T-HJ3"]
        assert features[0]["geometry"]["type"] == "Point"
        with django_assert_max_num_queries(6):
            listed = api_client.get(self.RUNS).json()
        assert listed["runs"][0]["id"] == run["id"]

    def test_400s_and_404(self, net, api_client, engineer):
        api_client.force_authenticate(engineer)
        before = HydraulicRun.objects.count()
        for body in (
            {"hours": -1},
            {"hours": "x"},
            {"month": 13},
            {"engine": "x"},
            {"demand_model": "x"},
        ):
            assert api_client.post(self.RUNS, body, format="json").status_code == 400
        assert api_client.get(self.EXPORT, {"hours": 1000}).status_code == 400
        assert HydraulicRun.objects.count() == before
        assert api_client.get(f"{self.RUNS}999999/").status_code == 404
        assert api_client.get(f"{self.RUNS}1/", {"geojson": "maybe"}).status_code == 400
        response = api_client.post(f"{self.RUNS}import/", {"file": b"x"}, format="multipart")
        assert response.status_code == 400


class BudgetTests:
    def test_a_run_too_large_for_a_request_is_refused(self, net):
        """3 junctions × (24 + 1) hours = 75 > a budget of 50: refused before any run is
        recorded; 3 × (12 + 1) = 39 fits."""
        before = HydraulicRun.objects.count()
        with pytest.raises(services.HydraulicsError) as caught:
            services.hydraulics_run(hours=24, zone=ZONE, max_node_hours=50)
        assert caught.value.problem == "run_too_large"
        assert HydraulicRun.objects.count() == before
        run = services.hydraulics_run(hours=12, zone=ZONE, max_node_hours=50)
        assert run.status == "done"
