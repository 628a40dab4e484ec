"""Pure compliance rules and the indicator seed: no database, parameters from indicators.json."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from copy import deepcopy
from datetime import date
from pathlib import Path

import pytest

from compliance.rules import (
    COMPLIANT,
    NO_DATA,
    NON_COMPLIANT,
    Verdict,
    compare,
    irrigation,
    leakage,
    sewage,
    users,
)
from compliance.rules import water_quality as wq

ROOT = Path(__file__).resolve().parents[2]
SEED = json.loads((ROOT / "compliance" / "indicators.json").read_text(encoding="utf-8"))
INDICATORS = {i["code"]: i for i in SEED["indicators"]}


def params(code: str) -> dict:
    return deepcopy(INDICATORS[code]["params"])


def threshold(code: str):
    return INDICATORS[code]["threshold"]


# --- the seed file ------------------------------------------------------------------------------
DESIGN_CODES = {
    "wfz.quality",
    "supply.leakage",
    "sewage.effluent",
    "sewage.load",
    "sewage.reclaimed",
    "town.sewage_plant",
    "irrigation.coefficient",
    "irrigation.quota",
    "irrigation.metering",
    "user.planned_use",
    "user.over_plan",
    "user.key_monitored",
    "county.wfz_compliance_rate",
    "county.supply_leakage",
    "county.sewage_coverage",
    "county.sewage_effluent",
    "county.irrigation_coefficient",
    "county.irrigation_metering",
    "county.planned_use_coverage",
    "county.carrier_enterprise_share",
    "county.carrier_institution_share",
    "county.carrier_community_share",
    "county.total_use_vs_cap",
    "county.gdp_intensity_decline",
    "county.industrial_intensity_decline",
    "county.industry_metering",
    "county.services_metering",
    "county.nonconventional_use",
    "county.water_saving_appliances",
    "county.bonus_benchmark",
    "county.bonus_incentives",
    "county.efficient_irrigation",
    "county.town_cap_compliance",
    "town.water_use_cap",
    "sewage.receiving_grade",
    "county.reclaimed_water_rate",
    "county.water_price_mechanism",
    "county.three_simultaneities",
    "county.quota_management",
    "county.publicity",
    "county.pass_line",
}
KEYS = {
    "code",
    "name_zh",
    "name_en",
    "family",
    "layer",
    "unit",
    "comparator",
    "threshold",
    "params",
    "points",
    "kind",
    "source",
    "clause",
    "verified",
    "notes",
    "assessment",
    "category",
    "needs_zh",
    "needs_en",
}
FAMILIES = {"wfz", "supply", "sewage", "town", "irrigation", "user", "county"}
LAYERS = {
    "water-function-zones",
    "supply-zones",
    "sewage-plants",
    "towns",
    "irrigation-districts",
    "water-users",
    "county",
}


class IndicatorSeedTests:
    def test_version_and_shape(self):
        assert SEED["version"] == 6
        assert set(SEED) == {"version", "indicators", "categories"}

    def test_no_internal_notes_in_what_readers_see(self):
        """Sources and clauses are printed in popups and reports: no design notes in English."""
        for item in SEED["indicators"]:
            for field in ("source", "clause"):
                assert "DESIGN" not in item[field], (item["code"], field)

    def test_coefficients_read_as_coefficients(self):
        """The irrigation coefficient is 0.553, not 55.3%: no share unit."""
        assert INDICATORS["irrigation.coefficient"]["unit"] == ""
        assert INDICATORS["county.irrigation_coefficient"]["unit"] == ""

    def test_every_design_code_is_seeded(self):
        assert DESIGN_CODES - set(INDICATORS) == set()

    def test_no_duplicate_codes(self):
        codes = [i["code"] for i in SEED["indicators"]]
        assert len(codes) == len(set(codes))

    def test_each_indicator_has_exactly_the_contract_keys(self):
        for ind in SEED["indicators"]:
            assert set(ind) == KEYS, ind["code"]

    def test_enumerations(self):
        for ind in SEED["indicators"]:
            code = ind["code"]
            assert code.split(".")[0] == ind["family"], code
            assert ind["family"] in {
                "wfz",
                "supply",
                "sewage",
                "town",
                "irrigation",
                "user",
                "county",
            }
            assert ind["layer"] in LAYERS, code
            assert ind["comparator"] in {"lte", "gte", "eq", "none"}, code
            assert ind["kind"] in {"feature", "scorecard", "prerequisite", "bonus"}, code
            assert ind["threshold"] is None or isinstance(ind["threshold"], int | float), code
            assert isinstance(ind["params"], dict), code
            assert isinstance(ind["verified"], bool), code
            assert ind["name_zh"].strip() and ind["name_en"].strip(), code
            assert (ind["family"] == "county") == (ind["layer"] == "county"), code
            # Feature indicators are features' (bonus allowed: it never fails a feature);
            # scorecard kinds are the county's.
            if ind["family"] == "county":
                assert ind["kind"] in {"scorecard", "prerequisite", "bonus"}, code
            else:
                assert ind["kind"] in {"feature", "bonus"}, code

    def test_every_indicator_has_source_and_clause(self):
        for ind in SEED["indicators"]:
            assert ind["source"].strip(), ind["code"]
            assert ind["clause"].strip(), ind["code"]

    def test_scorecard_points_sum_to_100_bonus_extra(self):
        """The 2017 standard's scored lines carry the 100 points; prerequisites veto and carry
        none; bonus items are apart (capped by the pass line's bonus_cap); lines of other
        assessments (最严格水资源管理, the county plan) carry none."""
        std = [i for i in SEED["indicators"] if i["assessment"] == "standard_2017"]
        assert sum(i["points"] for i in std if i["kind"] == "scorecard") == 100
        assert all(i["points"] == 0 for i in std if i["kind"] == "prerequisite")
        assert {i["code"] for i in std if i["kind"] == "prerequisite"} == {
            "county.total_use_vs_cap",
            "county.gdp_intensity_decline",
            "county.industrial_intensity_decline",
        }
        assert {i["code"] for i in std if i["kind"] == "bonus"} == {
            "county.bonus_benchmark",
            "county.bonus_incentives",
            "county.efficient_irrigation",
        }
        assert INDICATORS["county.pass_line"]["params"]["bonus_cap"] > 0
        assert all(i["points"] == 0 for i in SEED["indicators"] if i["kind"] == "feature")
        others = {
            i["code"] for i in SEED["indicators"] if i["assessment"] in ("strictest", "county_plan")
        }
        assert others == {
            "county.wfz_compliance_rate",
            "county.town_cap_compliance",
            "county.sewage_coverage",
            "county.sewage_effluent",
            "county.reclaimed_water_rate",
            "county.key_user_monitoring",
            "county.resource_levy_collection",
        }
        assert all(INDICATORS[c]["points"] == 0 for c in others)

    def test_every_standard_line_has_a_category_and_says_what_data_it_needs(self):
        categories = {c["code"] for c in SEED["categories"]}
        assert len(categories - {"bonus"}) == 11  # the 2017 standard's 11 categories
        for i in SEED["indicators"]:
            if i["assessment"] == "standard_2017" and i["code"] != "county.pass_line":
                assert i["category"] in categories, i["code"]
                assert i["needs_zh"].strip() and i["needs_en"].strip(), i["code"]
                assert i["verified"] is False, i["code"]  # the official table was not found

    def test_pass_line_is_90_unverified(self):
        line = INDICATORS["county.pass_line"]
        assert line["threshold"] == 90
        assert line["points"] == 0
        assert line["verified"] is False

    def test_only_standard_values_are_verified(self):
        verified = {i["code"] for i in SEED["indicators"] if i["verified"]}
        assert verified == {
            "wfz.quality",
            "supply.leakage",
            "sewage.effluent",
            "sewage.receiving_grade",
            "town.sewage_plant",
        }
        for code in ("user.over_plan", "irrigation.quota", "county.pass_line"):
            assert INDICATORS[code]["verified"] is False

    def test_standard_tables_match_design(self):
        limits = params("wfz.quality")["limits"]
        assert limits["do"]["river"] == [7.5, 6, 5, 3, 2]
        assert limits["tp"]["river"] == [0.02, 0.1, 0.2, 0.3, 0.4]
        assert limits["tp"]["lake"] == [0.01, 0.025, 0.05, 0.1, 0.2]
        assert limits["tn"]["river"] is None
        assert limits["tn"]["lake"] == [0.2, 0.5, 1.0, 1.5, 2.0]
        gb18918 = params("sewage.effluent")["limits"]
        assert gb18918["1A"]["nh3n"] == {"warm": 5, "cold": 8}
        assert gb18918["1B"]["tp"] == {"since_2006": 1, "before_2006": 1.5}
        assert gb18918["2"]["tn"] is None

    def test_leakage_threshold_is_the_required_grade_limit(self):
        p = params("supply.leakage")
        assert threshold("supply.leakage") == p["grades"][p["required_grade"]]

    def test_rule_modules_import_no_django(self):
        code = (
            "import sys\n"
            "import compliance.rules.water_quality, compliance.rules.leakage\n"
            "import compliance.rules.sewage, compliance.rules.irrigation, compliance.rules.users\n"
            "import compliance.rules.caps\n"
            "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django'\n"
        )
        done = subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr


# --- verdict helpers ------------------------------------------------------------------------------
class VerdictTests:
    def test_verdict_is_frozen(self):
        v = Verdict(value=1.0, threshold=1.0, unit="%", status=COMPLIANT)
        with pytest.raises(dataclasses.FrozenInstanceError):
            v.status = NON_COMPLIANT  # type: ignore[misc]

    def test_unknown_status_refused(self):
        with pytest.raises(ValueError):
            Verdict(value=1.0, threshold=1.0, unit="%", status="ok")

    def test_as_dict_has_the_contract_fields(self):
        v = Verdict(value=1.0, threshold=2.0, unit="%", status=COMPLIANT, details={"a": 1})
        assert set(v.as_dict()) == {
            "value",
            "threshold",
            "unit",
            "status",
            "details",
            "explanation_zh",
            "explanation_en",
        }

    def test_compare_ignores_float_noise(self):
        assert compare(0.1 + 0.2, "lte", 0.3)
        assert compare(0.7 + 0.1, "gte", 0.8)
        with pytest.raises(ValueError):
            compare(1, "none", 1)


# --- water-function zones (GB 3838-2002) --------------------------------------------------------
WQ = params("wfz.quality")


def good(**extra):
    """A class-II river sample (mg/L)."""
    return {"do": 6.5, "codmn": 3.0, "cod": 14.0, "bod5": 2.5, "nh3n": 0.4, "tp": 0.08} | extra


class SampleClassTests:
    def test_worst_class_over_measured_parameters(self):
        sample = {"do": 6.5, "codmn": 5.0, "nh3n": 1.2}  # II, III, IV
        assert wq.sample_class(sample, "river", WQ) == 4

    def test_value_exactly_on_a_class_limit_is_in_that_class(self):
        assert wq.sample_class({"nh3n": 0.5}, "river", WQ) == 2
        assert wq.sample_class({"nh3n": 0.5001}, "river", WQ) == 3
        assert wq.sample_class({"do": 5.0}, "river", WQ) == 3
        assert wq.sample_class({"do": 4.99}, "river", WQ) == 4

    def test_do_is_a_minimum(self):
        assert wq.sample_class({"do": 8.0}, "river", WQ) == 1
        assert wq.sample_class({"do": 1.5}, "river", WQ) == 6

    def test_worse_than_v_is_6(self):
        assert wq.sample_class({"nh3n": 2.01}, "river", WQ) == 6
        assert wq.class_name(6) == "劣V"

    def test_missing_parameter_is_skipped_not_zero(self):
        # DO read as 0 would make the sample 劣V; missing values are skipped.
        sample = {"do": None, "nh3n": 0.4, "tp": math.nan, "cod": ""}
        assert wq.sample_class(sample, "river", WQ) == 2

    def test_nothing_measured_is_none(self):
        assert wq.sample_class({}, "river", WQ) is None
        assert wq.sample_class({"do": None, "tn": None}, "lake", WQ) is None

    def test_tp_river_vs_lake(self):
        assert wq.sample_class({"tp": 0.05}, "river", WQ) == 2
        assert wq.sample_class({"tp": 0.05}, "lake", WQ) == 3
        assert wq.sample_class({"tp": 0.3}, "river", WQ) == 4
        assert wq.sample_class({"tp": 0.3}, "lake", WQ) == 6

    def test_tn_assessed_for_lakes_only(self):
        sample = {"nh3n": 0.1, "tn": 1.8}
        assert wq.sample_class(sample, "river", WQ) == 1
        assert wq.sample_class(sample, "lake", WQ) == 5
        assert wq.sample_class({"tn": 2.5}, "lake", WQ) == 6
        assert wq.sample_class({"tn": 2.5}, "river", WQ) is None

    def test_double_index_uses_codmn_and_nh3n(self):
        sample = {"codmn": 5.0, "nh3n": 0.1, "tp": 0.35}  # III, I, V
        assert wq.sample_class(sample, "river", WQ, method="double_index") == 3
        assert wq.sample_class(sample, "river", WQ, method="all") == 5

    def test_double_index_falls_back_to_cod_when_codmn_missing(self):
        assert wq.sample_class({"cod": 25.0, "nh3n": 0.1}, "river", WQ, "double_index") == 4
        sample = {"codmn": 3.0, "cod": 35.0, "nh3n": 0.1}  # COD ignored when CODMn measured
        assert wq.sample_class(sample, "river", WQ, "double_index") == 2

    def test_unknown_method_or_water_body_is_refused(self):
        with pytest.raises(ValueError):
            wq.sample_class({"do": 6}, "river", WQ, method="worst")
        with pytest.raises(ValueError):
            wq.sample_class({"do": 6}, "sea", WQ)


class ZoneYearTests:
    def year(self, samples, target=3, method="all", water_body="river", thr=None):
        thr = threshold("wfz.quality") if thr is None else thr
        return wq.zone_year(samples, water_body, target, WQ, thr, method)

    def test_frequency_exactly_80_percent_complies(self):
        samples = [good()] * 8 + [good(nh3n=1.6)] * 2
        v = self.year(samples)
        assert v.value == 0.8
        assert v.status == COMPLIANT
        assert v.details["samples"] == 10
        assert v.details["compliant_samples"] == 8
        assert v.details["method"] == "all"
        assert v.details["classes"] == [2] * 8 + [5] * 2
        assert "80%" in v.explanation_zh and "GB 3838-2002" in v.explanation_zh

    def test_below_80_percent_fails_and_names_the_parameter(self):
        v = self.year([good()] * 7 + [good(nh3n=1.6)] * 3)
        assert v.value == pytest.approx(0.7)
        assert v.status == NON_COMPLIANT
        assert v.details["exceedances"] == {"nh3n": 3}
        assert "氨氮" in v.explanation_zh and "NH3-N" in v.explanation_en
        assert "70%" in v.explanation_en and "80%" in v.explanation_en

    def test_no_samples_is_no_data(self):
        v = self.year([])
        assert v.status == NO_DATA
        assert v.value is None
        assert v.details["samples"] == 0

    def test_unassessable_samples_are_not_counted(self):
        samples = [good()] * 4 + [good(nh3n=1.6)] + [{"tn": 3.0}]  # TN alone: river, not assessed
        v = self.year(samples)
        assert v.details["samples"] == 5
        assert v.details["skipped_samples"] == 1
        assert v.value == 0.8 and v.status == COMPLIANT
        assert self.year([{"tn": 3.0}, {}]).status == NO_DATA

    def test_target_class_decides(self):
        samples = [good(nh3n=0.8)] * 10  # class III
        assert self.year(samples, target=3).status == COMPLIANT
        assert self.year(samples, target=2).status == NON_COMPLIANT
        with pytest.raises(ValueError):
            self.year(samples, target=6)

    def test_double_index_method_ignores_other_parameters(self):
        samples = [good(tp=0.35)] * 10  # TP class V, CODMn/NH3-N class II
        assert self.year(samples, method="all").status == NON_COMPLIANT
        v = self.year(samples, method="double_index")
        assert v.status == COMPLIANT and v.details["method"] == "double_index"

    def test_frequency_comes_from_data(self):
        samples = [good()] * 8 + [good(nh3n=1.6)] * 2
        assert self.year(samples, thr=0.9).status == NON_COMPLIANT


# --- supply networks (CJJ 92-2016) ---------------------------------------------------------------
LEAK = params("supply.leakage")


def balance(**over):
    """DESIGN's worked example, overridable."""
    args = {
        "system_input_m3": 10_000_000,
        "billed_authorized_m3": 8_600_000,
        "unbilled_authorized_m3": 0,
        "household_metered_m3": 5_000_000,
        "km_dn75_plus": 90.0,
        "mean_pressure_mpa": 0.40,
        "max_frost_depth_m": 0.0,
        "params": LEAK,
        "threshold": threshold("supply.leakage"),
    }
    return args | over


class LeakageTests:
    def test_design_worked_example(self):
        v = leakage.supply_leakage(**balance())
        d = v.details
        assert d["r_wl"] == pytest.approx(14)
        assert d["r1"] == pytest.approx(4)
        assert d["a"] == pytest.approx(0.09)
        assert d["r2"] == pytest.approx(2.0493)
        assert d["r3"] == 0.5
        assert d["r4"] == 0
        assert v.value == pytest.approx(7.4507, abs=1e-9)
        assert d["grade"] == "一级"
        assert v.status == COMPLIANT
        assert v.threshold == 10 and v.unit == "%"
        assert "7.4507" in v.explanation_zh and "一级" in v.explanation_zh
        assert "CJJ 92-2016" in v.explanation_en and "≤ 10%" in v.explanation_en

    def test_r2_clamped_both_ways(self):
        high = leakage.supply_leakage(**balance(km_dn75_plus=200.0))  # A 0.2
        low = leakage.supply_leakage(**balance(km_dn75_plus=10.0))  # A 0.01
        inside = leakage.supply_leakage(**balance(km_dn75_plus=99.6))  # A 0.0996
        assert high.details["r2"] == 3
        assert low.details["r2"] == -3
        assert inside.details["r2"] == pytest.approx(2.9997)
        assert high.value == pytest.approx(14 - 4 - 3 - 0.5)
        assert low.value == pytest.approx(14 - 4 + 3 - 0.5)

    @pytest.mark.parametrize(
        ("pressure", "r3"),
        [(0.30, 0), (0.35, 0), (0.350001, 0.5), (0.55, 0.5), (0.56, 1), (0.75, 1), (0.76, 2)],
    )
    def test_r3_pressure_band_boundaries(self, pressure, r3):
        v = leakage.supply_leakage(**balance(mean_pressure_mpa=pressure))
        assert v.details["r3"] == r3

    def test_r4_only_above_the_frost_depth(self):
        assert leakage.supply_leakage(**balance(max_frost_depth_m=1.4)).details["r4"] == 0
        assert leakage.supply_leakage(**balance(max_frost_depth_m=1.41)).details["r4"] == 1

    def on(self, r_wl):
        """R_BL = R_WL: no household metering, A = 0.0693 (R2 0), 0.3 MPa, no frost."""
        billed = 10_000_000 * (1 - r_wl / 100)
        return leakage.supply_leakage(
            **balance(
                billed_authorized_m3=billed,
                household_metered_m3=0,
                km_dn75_plus=69.3,
                mean_pressure_mpa=0.3,
            )
        )

    def test_grade_boundaries(self):
        at_10, at_12, over_12 = self.on(10), self.on(12), self.on(12.01)
        assert at_10.value == 10 and at_10.details["grade"] == "一级"
        assert at_10.status == COMPLIANT
        assert at_12.value == 12 and at_12.details["grade"] == "二级"
        assert at_12.status == NON_COMPLIANT
        assert over_12.details["grade"] == "不达标" and over_12.status == NON_COMPLIANT

    def test_required_grade_comes_from_data(self):
        p = params("supply.leakage") | {"required_grade": "二级"}
        v = leakage.supply_leakage(**balance(billed_authorized_m3=8_250_000, params=p))
        assert v.value == pytest.approx(10.9507)  # R_WL 17.5 − 6.5493
        assert v.details["grade"] == "二级"
        assert v.status == COMPLIANT and v.threshold == 12
        tight = params("supply.leakage") | {"grades": {"一级": 7, "二级": 7.4}}
        v = leakage.supply_leakage(**balance(params=tight))
        assert v.details["grade"] == "不达标" and v.status == NON_COMPLIANT

    def test_no_system_input_is_no_data(self):
        for q_s in (0, None):
            v = leakage.supply_leakage(**balance(system_input_m3=q_s))
            assert v.status == NO_DATA and v.value is None
        assert leakage.supply_leakage(**balance(billed_authorized_m3=None)).status == NO_DATA

    def test_missing_pressure_leaves_r3_at_zero_and_says_so(self):
        v = leakage.supply_leakage(**balance(mean_pressure_mpa=None))
        assert v.details["r3"] == 0 and v.details["assumed_zero"] == ["r3"]
        assert v.value == pytest.approx(7.9507)
        assert "R3" in v.explanation_zh


# --- sewage plants (GB 18918-2002) ---------------------------------------------------------------
SEW = params("sewage.effluent")
OLD, NEW = date(2005, 12, 31), date(2006, 1, 1)


def month(**values):
    """A 一级A-compliant month at 20 °C (mg/L)."""
    base = {"month": "2024-07", "cod": 30, "bod5": 6, "ss": 6, "nh3n": 2, "tn": 10, "tp": 0.3}
    return base | {"water_temp_c": 20.0} | values


class SewageMonthTests:
    def test_compliant_month(self):
        assert sewage.month_verdict(month(), "1A", NEW, SEW) == (True, [])

    def test_value_exactly_on_the_limit_complies(self):
        assert sewage.month_verdict(month(cod=50), "1A", NEW, SEW) == (True, [])
        ok, failing = sewage.month_verdict(month(cod=50.1), "1A", NEW, SEW)
        assert ok is False
        assert failing == [{"parameter": "cod", "value": 50.1, "limit": 50.0}]

    @pytest.mark.parametrize(
        ("temp", "ok", "limit"), [(11.9, True, 8), (12.0, True, 8), (12.1, False, 5)]
    )
    def test_nh3n_cold_bracket_at_12_degrees(self, temp, ok, limit):
        result, failing = sewage.month_verdict(month(nh3n=6, water_temp_c=temp), "1A", NEW, SEW)
        assert result is ok
        assert sewage.month_limits("1A", temp, NEW, SEW)["nh3n"] == limit
        if not ok:
            assert failing == [{"parameter": "nh3n", "value": 6.0, "limit": 5.0}]

    def test_unknown_temperature_uses_the_ordinary_nh3n_limit(self):
        assert sewage.month_verdict(month(nh3n=6, water_temp_c=None), "1A", NEW, SEW)[0] is False

    def test_tp_limit_by_build_date(self):
        assert sewage.month_verdict(month(tp=0.8), "1A", OLD, SEW) == (True, [])
        ok, failing = sewage.month_verdict(month(tp=0.8), "1A", NEW, SEW)
        assert ok is False and failing[0]["limit"] == 0.5
        assert sewage.month_verdict(month(tp=0.8), "1A", "2005-12-31", SEW)[0] is True
        assert sewage.month_limits("1B", 20, OLD, SEW)["tp"] == 1.5
        assert sewage.month_limits("1B", 20, NEW, SEW)["tp"] == 1

    def test_unmeasured_parameters_are_skipped(self):
        bare = {"month": "2024-07", "cod": 40, "water_temp_c": 20}
        assert sewage.month_verdict(bare, "1A", NEW, SEW) == (True, [])
        assert sewage.month_verdict({"month": "2024-07"}, "1A", NEW, SEW) == (None, [])
        assert sewage.month_verdict({"water_temp_c": 8, "cod": None}, "1A", NEW, SEW)[0] is None

    def test_grade_2_has_no_tn_limit(self):
        assert sewage.month_verdict(month(tn=50), "2", NEW, SEW) == (True, [])
        assert sewage.month_verdict({"tn": 50}, "2", NEW, SEW) == (None, [])
        assert sewage.month_verdict(month(tn=50), "1B", NEW, SEW)[0] is False

    def test_unknown_grade_is_refused(self):
        with pytest.raises(ValueError):
            sewage.month_verdict(month(), "3", NEW, SEW)


class SewageYearTests:
    def test_all_months_compliant(self):
        months = [month(month=f"2024-{m:02d}") for m in range(1, 13)]
        v = sewage.effluent_year(months, "1A", NEW, SEW, threshold("sewage.effluent"))
        assert v.value == 1.0 and v.status == COMPLIANT
        assert v.details["months"] == 12 and v.details["compliant_months"] == 12
        assert v.details["failing"] == []

    def test_one_failing_month_fails_the_default_rate(self):
        months = [month(month=f"2024-{m:02d}") for m in range(2, 13)]
        months.append(month(month="2024-01", nh3n=9.2, water_temp_c=10))
        v = sewage.effluent_year(months, "1A", NEW, SEW, threshold("sewage.effluent"))
        assert v.value == pytest.approx(11 / 12)
        assert v.status == NON_COMPLIANT
        assert v.details["failing"] == [
            {"month": "2024-01", "parameter": "nh3n", "value": 9.2, "limit": 8.0}
        ]
        assert "2024-01" in v.explanation_zh and "9.2 > 8 mg/L" in v.explanation_en
        assert sewage.effluent_year(months, "1A", NEW, SEW, 0.9).status == COMPLIANT

    def test_months_with_nothing_measured_are_not_counted(self):
        months = [month(), {"month": "2024-08"}]
        v = sewage.effluent_year(months, "1A", NEW, SEW, 1.0)
        assert v.details["months"] == 1 and v.status == COMPLIANT

    def test_no_months_is_no_data(self):
        assert sewage.effluent_year([], "1A", NEW, SEW, 1.0).status == NO_DATA
        assert sewage.effluent_year([{"month": "2024-01"}], "1A", NEW, SEW, 1.0).value is None

    def test_load_rate_exactly_on_the_threshold(self):
        thr = threshold("sewage.load")
        v = sewage.load_year([{"month": "2024-02", "treated_m3": 0.6 * 10_000 * 29}], 10_000, thr)
        assert v.value == pytest.approx(0.6) and v.status == COMPLIANT

    def test_load_rate_is_over_the_days_of_the_reported_months(self):
        months = [
            {"month": "2024-01", "treated_m3": 31 * 1000},
            {"month": date(2024, 2, 1), "treated_m3": 29 * 2000},
            {"month": "2024-03", "treated_m3": None},  # not reported
        ]
        v = sewage.load_year(months, 2000, threshold("sewage.load"))
        assert v.details["days"] == 60 and v.details["months"] == 2
        assert v.value == pytest.approx(89_000 / 60 / 2000)

    def test_under_loaded_plant(self):
        v = sewage.load_year([{"month": "2024-06", "treated_m3": 30 * 500}], 1000, 0.6)
        assert v.value == 0.5 and v.status == NON_COMPLIANT
        assert "under-loaded" in v.explanation_en and "负荷不足" in v.explanation_zh

    def test_load_without_capacity_or_months_is_no_data(self):
        row = [{"month": "2024-06", "treated_m3": 1000}]
        assert sewage.load_year(row, 0, 0.6).status == NO_DATA
        assert sewage.load_year(row, None, 0.6).status == NO_DATA
        assert sewage.load_year([], 1000, 0.6).status == NO_DATA

    def test_reclaimed_rate(self):
        thr = threshold("sewage.reclaimed")
        months = [
            {"treated_m3": 1000, "reclaimed_m3": 200},
            {"treated_m3": 1000, "reclaimed_m3": None},  # not reported: skipped
        ]
        v = sewage.reclaimed_year(months, thr)
        assert v.value == pytest.approx(0.2) and v.status == COMPLIANT
        low = sewage.reclaimed_year([{"treated_m3": 1000, "reclaimed_m3": 100}], thr)
        assert low.status == NON_COMPLIANT
        assert sewage.reclaimed_year([{"treated_m3": 0, "reclaimed_m3": 0}], thr).status == NO_DATA

    def test_one_plant_per_town(self):
        thr = threshold("town.sewage_plant")
        assert sewage.town_plant(0, thr).status == NON_COMPLIANT
        assert sewage.town_plant(1, thr).status == COMPLIANT
        assert sewage.town_plant(None, thr).status == NO_DATA


# --- irrigation districts ------------------------------------------------------------------------
def district(gross=1_000_000, net=550_000, area=2000, metered=1_000_000):
    return {
        "gross_withdrawal_m3": gross,
        "net_field_m3": net,
        "irrigated_area_mu": area,
        "metered_withdrawal_m3": metered,
    }


class IrrigationTests:
    def test_coefficient_exactly_on_the_target(self):
        thr = threshold("irrigation.coefficient")
        assert thr == 0.535
        v = irrigation.coefficient(district(net=535_000), thr)
        assert v.value == 0.535 and v.status == COMPLIANT
        assert irrigation.coefficient(district(net=534_000), thr).status == NON_COMPLIANT
        assert "0.535" in v.explanation_zh

    def test_coefficient_without_data(self):
        thr = threshold("irrigation.coefficient")
        assert irrigation.coefficient(None, thr).status == NO_DATA
        assert irrigation.coefficient(district(gross=0), thr).status == NO_DATA
        assert irrigation.coefficient(district(net=None), thr).status == NO_DATA

    def test_quota_per_mu(self):
        p = params("irrigation.quota")
        rice = p["quotas_m3_per_mu"]["rice"]
        on = irrigation.quota(district(gross=rice * 2000), "rice", p)
        assert on.value == rice and on.status == COMPLIANT and on.threshold == rice
        over = irrigation.quota(district(gross=790 * 2000), "rice", p)
        assert over.value == 790 and over.status == NON_COMPLIANT
        assert "水稻" in over.explanation_zh and "m³/亩" in over.explanation_en

    def test_crop_missing_from_the_table_uses_other(self):
        p = params("irrigation.quota")
        v = irrigation.quota(district(gross=300 * 2000), "tea", p)
        assert v.details["quota_crop"] == "other"
        assert v.threshold == p["quotas_m3_per_mu"]["other"]
        del p["quotas_m3_per_mu"]["other"]
        assert irrigation.quota(district(), "tea", p).status == NO_DATA
        assert irrigation.quota(district(), "", params("irrigation.quota")).status == NO_DATA

    def test_quota_without_area_is_no_data(self):
        p = params("irrigation.quota")
        assert irrigation.quota(district(area=0), "rice", p).status == NO_DATA
        assert irrigation.quota(None, "rice", p).status == NO_DATA

    def test_metering_rate(self):
        thr = threshold("irrigation.metering")
        v = irrigation.metering(district(metered=thr * 1_000_000), thr)
        assert v.value == pytest.approx(thr) and v.status == COMPLIANT
        assert irrigation.metering(district(metered=700_000), thr).status == NON_COMPLIANT
        assert irrigation.metering(district(metered=None), thr).status == NO_DATA


# --- water users --------------------------------------------------------------------------------
PLAN = params("user.planned_use")
TIERS = params("user.over_plan")


class PlannedUseTests:
    def test_user_below_the_monthly_line_need_not_plan(self):
        v = users.planned_use([3000, 9999, 5000], "industry", False, PLAN)
        assert v.value == 9999 and v.status == COMPLIANT
        assert v.details == v.details | {"has_plan": False, "must_plan": False}
        assert "无需" in v.explanation_zh and "no annual plan required" in v.explanation_en

    def test_exactly_on_the_line_need_not_plan(self):
        v = users.planned_use([PLAN["monthly_threshold_m3"]], "services", False, PLAN)
        assert v.details["must_plan"] is False and v.status == COMPLIANT

    def test_over_the_line_must_plan(self):
        no_plan = users.planned_use([9000, 10_001], "industry", False, PLAN)
        assert no_plan.details["must_plan"] is True and no_plan.status == NON_COMPLIANT
        with_plan = users.planned_use([9000, 10_001], "industry", True, PLAN)
        assert with_plan.status == COMPLIANT and with_plan.details["has_plan"] is True

    def test_residential_users_are_exempt(self):
        v = users.planned_use([50_000], "residential", False, PLAN)
        assert v.status == COMPLIANT and v.details["must_plan"] is False
        assert "居民生活" in v.explanation_zh

    def test_without_monthly_use_is_no_data(self):
        assert users.planned_use([], "industry", False, PLAN).status == NO_DATA
        assert users.planned_use([None, None], "industry", False, PLAN).status == NO_DATA
        assert users.planned_use([None, 12_000], "industry", False, PLAN).value == 12_000


class OverPlanTests:
    @pytest.mark.parametrize(
        ("over_share", "volumes", "multiples"),
        [
            (0.1, [1000, 0, 0], 500),
            (0.2, [2000, 0, 0], 1000),
            (0.3, [2000, 1000, 0], 2000),
            (0.5, [2000, 2000, 1000], 5000),
        ],
    )
    def test_tiers_apply_to_the_volume_inside_each_band(self, over_share, volumes, multiples):
        v = users.over_plan(10_000 * (1 + over_share), 10_000, TIERS)
        assert v.value == pytest.approx(10_000 * over_share)
        assert v.status == NON_COMPLIANT
        assert [t["volume_m3"] for t in v.details["tiers"]] == pytest.approx(volumes)
        assert [t["multiple"] for t in v.details["tiers"]] == [0.5, 1.0, 2.0]
        assert [t["to_share"] for t in v.details["tiers"]] == [0.2, 0.4, None]
        assert v.details["surcharge_multiples"] == pytest.approx(multiples)

    def test_at_or_under_plan_complies(self):
        for use in (10_000, 8_000):
            v = users.over_plan(use, 10_000, TIERS)
            assert v.value == 0 and v.status == COMPLIANT
            assert v.details["surcharge_multiples"] == 0

    def test_no_plan_is_no_data(self):
        assert users.over_plan(12_000, None, TIERS).status == NO_DATA
        assert users.over_plan(12_000, 0, TIERS).status == NO_DATA

    def test_tiers_come_from_data(self):
        flat = {"tiers": [[None, 3.0]]}
        v = users.over_plan(15_000, 10_000, flat)
        assert v.details["surcharge_multiples"] == pytest.approx(15_000)

    def test_surcharge_tiers_helper(self):
        bands = users.surcharge_tiers(3000, 10_000, TIERS["tiers"])
        assert bands == [
            {"from_share": 0.0, "to_share": 0.2, "volume_m3": 2000.0, "multiple": 0.5},
            {"from_share": 0.2, "to_share": 0.4, "volume_m3": 1000.0, "multiple": 1.0},
            {"from_share": 0.4, "to_share": None, "volume_m3": 0.0, "multiple": 2.0},
        ]
        with pytest.raises(ValueError):
            users.surcharge_tiers(1, 10, [[0.4, 1], [0.2, 2]])


class KeyMonitoredTests:
    def test_threshold_is_inclusive_and_a_classification(self):
        thr = threshold("user.key_monitored")
        on = users.key_monitored(thr, thr)
        below = users.key_monitored(thr - 1, thr)
        assert on.details["key_monitored"] is True and on.status == COMPLIANT
        assert below.details["key_monitored"] is False and below.status == COMPLIANT
        assert users.key_monitored(None, thr).status == NO_DATA
