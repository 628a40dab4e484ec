"""The demo's planted failures (manifest.json) are what the compliance engine finds.

The session's database holds the demo (seed 441882, scale 1) with its stored verdicts; the same
seed regenerates the same files and manifest, whose failures were re-derived by the generator's
own small evaluators (demo.checks). Both must agree rule by rule, feature by feature, year by year.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from compliance.models import Result
from demo.generator import generate

pytestmark = pytest.mark.django_db

YEARS = (2023, 2024, 2025)
# Rules the manifest does not re-derive: they need the rasters' zonal statistics (rainfall,
# land use), which only PostGIS computes. Their verdicts are the engine's alone.
ENGINE_ONLY = {"irrigation.net_demand", "irrigation.paddy_area"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    return generate(tmp_path_factory.mktemp("agree"), seed=441882, scale=1.0)


def failing_results() -> dict[str, set[tuple[str, int]]]:
    out: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for code, feature, year in Result.objects.filter(status="non_compliant").values_list(
        "indicator__code", "feature_code", "year"
    ):
        out[code].add((feature, year))
    return out


def county_result(code: str, year: int) -> Result:
    return Result.objects.get(indicator__code=code, feature_code="441882", year=year)


class EngineAgreesTests:
    def test_planted_failures_are_the_engines(self, manifest):
        planted: dict[str, set[tuple[str, int]]] = defaultdict(set)
        for f in manifest["failures"]:
            planted[f["rule"]].add((f["code"], f["year"]))
        found = failing_results()
        for rule in sorted(planted):
            assert planted[rule] == found.get(rule, set()), rule
        feature_rules = {r for r in found if not r.startswith("county.")}
        assert feature_rules - set(planted) <= ENGINE_ONLY

    def test_county_total_use_and_intensity_lines(self, manifest):
        """Total use = Σ abstractions by source against the cap (over in 2024 only); the
        declines of use per 10,000 yuan against the base year (GDP misses 13 % in 2024)."""
        for year in YEARS:
            m = manifest["county"][str(year)]
            cap = county_result("county.total_use_vs_cap", year)
            assert cap.value == pytest.approx(m["total_use_m3"] / m["water_use_cap_m3"], rel=1e-9)
            assert (cap.status == "non_compliant") == (not m["within_cap"]) == (year == 2024)
            gdp = county_result("county.gdp_intensity_decline", year)
            assert gdp.value == pytest.approx(m["gdp_intensity_decline"], abs=1e-3)
            assert (gdp.status == "non_compliant") == (year == 2024)
            industry = county_result("county.industrial_intensity_decline", year)
            assert industry.value == pytest.approx(m["industry_intensity_decline"], abs=1e-3)
            assert industry.status == "compliant"
            share = county_result("county.nonconventional_use", year)
            assert share.value == pytest.approx(m["nonconventional_share"], abs=1e-3)

    def test_pipe_length_correction_is_never_clamped(self, manifest):
        """CJJ 92-2016 R2 = 99 (A - 0.0693) stays inside +-3 in every zone and year, so the
        engineer's edits move the verdicts; A agrees with the manifest's."""
        rows = Result.objects.filter(indicator__code="supply.leakage")
        assert rows.count() == 6 * len(YEARS)
        for r in rows:
            assert abs(r.details["r2"]) < 3, (r.feature_code, r.year)
            a = manifest["zones"][r.feature_code][str(r.year)]["a_km_per_10k_m3"]
            assert r.details["a"] == pytest.approx(a, abs=2e-4), (r.feature_code, r.year)

    def test_network_users_consume_what_the_network_bills(self, manifest):
        for code, years in manifest["zones"].items():
            for year, z in years.items():
                assert z["users_m3"] == pytest.approx(z["billed_m3"], abs=50), (code, year)
                assert z["billed_m3"] < z["system_input_m3"]
