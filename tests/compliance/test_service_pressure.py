"""supply.service_pressure: the share of a supply zone's demand junctions at or above the
minimum service pressure in the latest hydraulic run of the year's demand — the rule's
arithmetic, the demo's verdicts, and a new run making the verdicts stale until re-evaluated."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from compliance.evaluation import county_of
from compliance.freshness import stale_families
from compliance.models import Result
from compliance.rules import COMPLIANT, NO_DATA, NON_COMPLIANT
from compliance.rules.service_pressure import min_pressure_m, service_pressure
from network.hydraulics.selectors import zone_service_pressure
from network.models import HydraulicRun, NodePressure, SupplyZone
from tests.helpers import evaluate_pending

PARAMS = {"min_pressure_mpa": 0.14, "m_per_mpa": 101.97}
DEMO_YEAR = 2025  # the demo's run uses the 2025 demand


class ServicePressureRuleTests:
    def test_minimum_in_metres(self):
        """0.14 MPa × 101.97 m/MPa = 14.2758 m, stored to 2 decimals: 14.28 m."""
        assert min_pressure_m(PARAMS) == 14.28

    def test_pass_rate_against_the_required_share(self):
        """38 of 40 ok: 100 × 38 / 40 = 95 % < 97 % → non-compliant; 39 of 40: 97.5 % ≥ 97 %
        → compliant; 97 of 100: exactly 97 % ≥ 97 % → compliant (the bound is inclusive)."""
        run = {"run_id": 7, "judged": 40, "ok": 38, "lowest_m": 3.2, "lowest_code": "N1"}
        v = service_pressure(run, PARAMS, 97)
        assert (v.value, v.status) == (95.0, NON_COMPLIANT)
        assert v.details["below"] == 2 and v.details["min_pressure_m"] == 14.28
        assert "95% < 97%" in v.explanation_en and "#7" in v.explanation_zh
        assert service_pressure({**run, "ok": 39}, PARAMS, 97).status == COMPLIANT
        exact = service_pressure({**run, "judged": 100, "ok": 97}, PARAMS, 97)
        assert (exact.value, exact.status) == (97.0, COMPLIANT)

    def test_no_run_or_no_junction_is_no_data(self):
        assert service_pressure(None, PARAMS, 97).status == NO_DATA
        empty = service_pressure({"run_id": 3, "judged": 0, "ok": 0}, PARAMS, 97)
        assert empty.status == NO_DATA and empty.value is None


@pytest.mark.django_db
class ServicePressureDemoTests:
    def test_demo_run_fails_the_hilltop_zone_only(self):
        """The demo loads one steady-state run of the 2025 demand: SZ05's hilltop village
        is below 0.14 MPa, every other zone passes; 2023-2024 have no run: no data."""
        rows = Result.objects.filter(indicator__code="supply.service_pressure")
        latest = {r.feature_code: r for r in rows.filter(year=DEMO_YEAR)}
        assert set(latest) == {"SZ01", "SZ02", "SZ03", "SZ04", "SZ05", "SZ06"}
        assert latest["SZ05"].status == NON_COMPLIANT
        assert latest["SZ05"].value < 97
        assert all(r.status == COMPLIANT for c, r in latest.items() if c != "SZ05")
        assert set(rows.exclude(year=DEMO_YEAR).values_list("status", flat=True)) == {NO_DATA}

    def test_a_new_run_makes_the_verdicts_stale_and_is_judged(self):
        """A run stored with SZ03's demand junctions all at 10 m (< 14.28 m) but one at 30 m:
        its pass rate is 100 × 1 / n; the stored verdicts go stale (data version
        hydraulic-runs) and the worker's next pass judges SZ03 non-compliant from that run."""
        cache.clear()
        area = county_of(None, with_geometry=False)
        zone = SupplyZone.objects.get(code="SZ03")
        demo_run = HydraulicRun.objects.filter(status="done").latest("id")
        source = NodePressure.objects.filter(
            run=demo_run, demand_lps__gt=0, node__geom__intersects=zone.geom
        ).exclude(node__kind__in=("source", "plant"))
        n = source.count()
        assert n > 10
        assert "supply" not in stale_families(area, DEMO_YEAR)
        run = HydraulicRun.objects.create(
            status="done",
            hours=0,
            options={"demand_year": DEMO_YEAR, "min_pressure_m": 14.28},
            counties=[area.id],  # a run of the county's network (docs/areas.md)
        )
        node_ids = list(source.order_by("node_id").values_list("node_id", "demand_lps"))
        NodePressure.objects.bulk_create(
            NodePressure(
                run=run,
                node_id=node_id,
                demand_lps=demand,
                pressure_steady_m=30.0 if k == 0 else 10.0,
                pressure_min_m=30.0 if k == 0 else 10.0,
                pressure_mean_m=30.0 if k == 0 else 10.0,
                below_minimum=k != 0,
            )
            for k, (node_id, demand) in enumerate(node_ids)
        )
        figures = zone_service_pressure(area.id, DEMO_YEAR, 14.28)[zone.id]
        assert (figures["run_id"], figures["judged"], figures["ok"]) == (run.pk, n, 1)
        assert figures["lowest_m"] == 10.0
        assert "supply" in stale_families(area, DEMO_YEAR)
        evaluate_pending()
        verdict = Result.objects.get(
            indicator__code="supply.service_pressure", feature_code="SZ03", year=DEMO_YEAR
        )
        assert verdict.status == NON_COMPLIANT
        assert verdict.value == pytest.approx(100.0 / n)
        assert verdict.details["run_id"] == run.pk
        # the other zones have no junction in the new run: no data, not the old run's verdict
        other = Result.objects.get(
            indicator__code="supply.service_pressure", feature_code="SZ01", year=DEMO_YEAR
        )
        assert other.status == NO_DATA
