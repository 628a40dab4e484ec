"""The county scorecard on small hand-made counties: each line's scope, and the verdict.

No database: inputs are built by hand, indicators come from compliance/indicators.json. Every
test's docstring works out the figures it asserts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.evaluators import IndicatorData, sewage_rows, town_rows, user_rows
from compliance.inputs import (
    CountyInput,
    DistrictInput,
    PlantInput,
    TownInput,
    UserInput,
)
from compliance.rules import COMPLIANT, NO_DATA, NON_COMPLIANT, users
from compliance.scorecard import (
    CANNOT_BE_JUDGED,
    FAILED,
    PASSED,
    ScoreLine,
    county_rows,
    line_points,
    score,
    score_rows,
)

SEED = json.loads(
    (Path(__file__).resolve().parents[2] / "compliance" / "indicators.json").read_text("utf-8")
)
IND = {
    i["code"]: IndicatorData(
        code=i["code"],
        threshold=i["threshold"],
        params=i["params"],
        unit=i["unit"],
        comparator=i["comparator"],
        points=i["points"],
        kind=i["kind"],
        ref=f"{i['source']} {i['clause']}",
        assessment=i["assessment"],
        category=i["category"],
    )
    for i in SEED["indicators"]
}
YEAR = 2024


def user(
    uid,
    sector,
    annual,
    *,
    metered=None,
    source="public_network",
    plan=None,
    town=1,
    carrier="",
    carrier_year=None,
    peak=None,
) -> UserInput:
    """A user whose year is twelve equal months (peak: one month replaced, rest equal)."""
    months = [annual / 12] * 12
    if peak is not None:
        months = [peak] + [(annual - peak) / 11] * 11
    return UserInput(
        id=uid,
        code=f"U{uid}",
        name=f"U{uid}",
        sector=sector,
        carrier=carrier,
        annual_plan_m3=plan,
        town_id=town,
        supply_zone_id=None,
        monthly_m3=months,
        metered_m3=annual if metered is None else metered,
        source=source,
        carrier_year=carrier_year,
    )


def county(**parts) -> CountyInput:
    base = dict(
        area_id=1,
        area_code="C",
        area_name="C",
        year=YEAR,
        zones=[],
        supply_zones=[],
        plants=[],
        towns=[],
        districts=[],
        users=[],
        stats=None,
    )
    base.update(parts)
    return CountyInput(**base)


def line(data: CountyInput, code: str, feature_rows=()):
    rows = county_rows(data, list(feature_rows), IND, {})
    return next(r.verdict for r in rows if r.indicator == code)


# --- scopes ----------------------------------------------------------------------------------
class CarrierYearTests:
    def institutions(self) -> list[UserInput]:
        return [
            user(1, "public_institution", 1000, carrier="institution", carrier_year=2019),
            user(2, "public_institution", 1000, carrier="institution", carrier_year=2021),
            user(3, "public_institution", 1000, carrier="institution", carrier_year=2024),
            user(4, "public_institution", 1000, carrier="institution", carrier_year=2025),
            user(5, "public_institution", 1000),
        ]

    def test_carriers_recognised_later_do_not_count(self):
        """Five public institutions, recognised in 2019, 2021, 2024, 2025 and never.
        2023: 2 of 5 recognised = 40 % < 50 % → fails (counting every recognition: 80 %).
        2025: 4 of 5 = 80 % ≥ 50 % → compliant."""
        v2023 = line(
            county(year=2023, users=self.institutions()), "county.carrier_institution_share"
        )
        assert v2023.value == pytest.approx(0.4)
        assert v2023.status == NON_COMPLIANT
        assert v2023.details["recognised_later"] == 2
        v2025 = line(
            county(year=2025, users=self.institutions()), "county.carrier_institution_share"
        )
        assert v2025.value == pytest.approx(0.8)
        assert v2025.status == COMPLIANT

    def test_a_recognition_without_a_year_counts_and_is_reported(self):
        """One institution recognised (year unknown) of two: 1/2 = 50 % ≥ 50 %; the details say
        one recognition has no year."""
        v = line(
            county(
                users=[
                    user(1, "public_institution", 10, carrier="institution"),
                    user(2, "public_institution", 10),
                ]
            ),
            "county.carrier_institution_share",
        )
        assert v.value == pytest.approx(0.5)
        assert v.details["year_unknown"] == 1


class MeteringScopeTests:
    def test_metering_lines_cover_industry_and_services_only(self):
        """industry 1,000 m³ all metered; services 400 m³ of which 300 metered; a public
        institution 100 m³ metered; residential 5,000 m³ and agriculture 2,000 m³ unmetered.
        Industry: 1,000 / 1,000 = 100 % ≥ 100 % → compliant.
        Services (services + public institutions): (300 + 100) / (400 + 100) = 80 % < 90 % →
        fails. Residential and agriculture are outside both lines (counting every user would give
        1,400 / 8,500 = 16.5 %)."""
        data = county(
            users=[
                user(1, "industry", 1000),
                user(2, "services", 400, metered=300),
                user(3, "public_institution", 100),
                user(4, "residential", 5000, metered=0),
                user(5, "agriculture", 2000, metered=0),
            ]
        )
        industry = line(data, "county.industry_metering")
        assert industry.value == pytest.approx(1.0) and industry.status == COMPLIANT
        services = line(data, "county.services_metering")
        assert services.value == pytest.approx(0.8) and services.status == NON_COMPLIANT
        assert services.details["users"] == 2


class TotalUseTests:
    STATS = {
        "water_use_cap_m3": 1_100_000.0,
        "abstraction_surface_m3": 600_000.0,
        "abstraction_groundwater_m3": 100_000.0,
        "abstraction_public_supply_m3": 300_000.0,
        "abstraction_nonconventional_m3": 0.0,
    }

    def test_total_use_is_the_sum_of_abstractions_not_of_consumption(self):
        """Abstractions 600,000 + 100,000 + 300,000 + 0 = 1,000,000 m³ against a cap of
        1,100,000 m³: 90.9 % ≤ 100 % → met. The users consume 1,200,000 m³ (the same water
        counted at the tap, metering errors included): reported as the cross-check only —
        it would have failed the cap."""
        data = county(stats=dict(self.STATS), users=[user(1, "industry", 1_200_000)])
        v = line(data, "county.total_use_vs_cap")
        assert v.value == pytest.approx(1_000_000 / 1_100_000)
        assert v.status == COMPLIANT
        assert v.details["use_m3"] == 1_000_000
        assert v.details["consumption_m3"] == 1_200_000

    def test_no_abstraction_is_no_data_and_the_county_cannot_be_judged(self):
        """A cap but no abstraction figure: the prerequisite has no data (not a veto), so the
        verdict is at best 'cannot be judged'."""
        data = county(stats={"water_use_cap_m3": 1_000_000.0}, users=[user(1, "industry", 10)])
        v = line(data, "county.total_use_vs_cap")
        assert v.status == NO_DATA
        card = score_rows(county_rows(data, [], IND, {}), IND)
        assert "county.total_use_vs_cap" in card["prerequisites_without_data"]
        assert card["vetoed_by"] == []
        assert card["verdict"] in (FAILED, CANNOT_BE_JUDGED) and not card["passed"]

    def test_nonconventional_share_of_total_use(self):
        """Non-conventional 30,000 of a total 600,000 + 100,000 + 270,000 + 30,000 = 1,000,000
        m³: 3 % ≥ 2 % (southern default) → compliant."""
        stats = {
            **self.STATS,
            "abstraction_public_supply_m3": 270_000.0,
            "abstraction_nonconventional_m3": 30_000.0,
        }
        v = line(county(stats=stats), "county.nonconventional_use")
        assert v.value == pytest.approx(0.03) and v.status == COMPLIANT

    def test_nonconventional_records_beside_the_statistic(self):
        """The same 30,000 m³ statistic; the records account for a plant's reclaimed water
        (12,000 + 8,000 m³ in two months) and a school's rain (4,000 m³): 24,000 m³, shown
        beside the statistic without changing the value (3 %)."""
        stats = {
            **self.STATS,
            "abstraction_public_supply_m3": 270_000.0,
            "abstraction_nonconventional_m3": 30_000.0,
        }
        months = [
            {"month": "2025-01", "treated_m3": 90_000.0, "reclaimed_m3": 12_000.0},
            {"month": "2025-02", "treated_m3": 80_000.0, "reclaimed_m3": 8_000.0},
        ]
        plant = PlantInput(1, "P1", "P1", None, "operating", 10_000, "2", None, months)
        rain = [{"user__code": "S1", "kind": "rainwater", "volume_m3": 4_000.0}]
        data = county(stats=stats, plants=[plant], registers={"nonconventional": rain})
        v = line(data, "county.nonconventional_use")
        assert v.value == pytest.approx(0.03)
        assert v.details["plants_reclaimed_m3"] == 20_000 and v.details["users_m3"] == 4_000
        assert "records account for 24,000 m³" in v.explanation_en


class DeclineRateTests:
    def history(self):
        base = {
            "abstraction_surface_m3": 700_000.0,
            "abstraction_groundwater_m3": 0.0,
            "abstraction_public_supply_m3": 300_000.0,
            "abstraction_nonconventional_m3": 0.0,
            "gdp_10k_yuan": 100_000.0,
            "industrial_value_added_10k_yuan": 30_000.0,
            "industrial_use_m3": 300_000.0,
        }
        now = {
            "abstraction_surface_m3": 650_000.0,
            "abstraction_groundwater_m3": 0.0,
            "abstraction_public_supply_m3": 300_000.0,
            "abstraction_nonconventional_m3": 0.0,
            "gdp_10k_yuan": 115_000.0,
            "industrial_value_added_10k_yuan": 33_000.0,
            "industrial_use_m3": 290_000.0,
        }
        return {2020: base, YEAR: now}

    def test_intensities_decline_against_the_base_year_and_the_years_target(self):
        """Base year 2020: 1,000,000 m³ / 100,000 万元 = 10 m³/万元; 2024: 950,000 / 115,000 =
        8.2609 m³/万元; decline 1 − 8.2609/10 = 17.4 % ≥ the 2024 target 13 % → met.
        Industry: 2020 300,000 / 30,000 = 10; 2024 290,000 / 33,000 = 8.7879; decline 12.1 % <
        the 2024 target 16 % → the prerequisite fails and vetoes the pass."""
        h = self.history()
        data = county(stats=h[YEAR], stats_history=h)
        gdp = line(data, "county.gdp_intensity_decline")
        assert gdp.value == pytest.approx(1 - (950_000 / 115_000) / 10)
        assert gdp.threshold == pytest.approx(0.13)
        assert gdp.status == COMPLIANT
        iva = line(data, "county.industrial_intensity_decline")
        assert iva.value == pytest.approx(1 - (290_000 / 33_000) / 10)
        assert iva.threshold == pytest.approx(0.16)
        assert iva.status == NON_COMPLIANT
        card = score_rows(county_rows(data, [], IND, {}), IND)
        assert card["vetoed_by"] == ["county.industrial_intensity_decline"]
        assert card["verdict"] == FAILED

    def test_no_base_year_is_no_data(self):
        """Without 2020 statistics no decline can be computed: no_data, never a fail."""
        h = self.history()
        del h[2020]
        v = line(county(stats=h[YEAR], stats_history=h), "county.gdp_intensity_decline")
        assert v.status == NO_DATA


class PlannedCoverageTests:
    def test_self_supplied_permit_holders_must_be_planned(self):
        """A: industrial, public network, peak month 20,000 m³ > the 10,000 m³ line, planned,
        240,000 m³/yr. B: services, self-supplied surface water (a permit holder), 5,000 m³ a
        month (under the line), no plan, 60,000 m³/yr. C: residential, self-supplied
        groundwater: exempt sector. D: industry on the network, 500 m³ a month: not obliged.
        Obliged: A and B → coverage 240,000 / (240,000 + 60,000) = 80 % < 90 % → fails
        (leaving permit holders out would give 100 %)."""
        data = county(
            users=[
                user(1, "industry", 240_000, plan=250_000, peak=20_000),
                user(2, "services", 60_000, source="surface"),
                user(3, "residential", 10_000, source="groundwater"),
                user(4, "industry", 6_000),
            ]
        )
        rows = user_rows(data, IND)
        v = line(data, "county.planned_use_coverage", rows)
        assert v.value == pytest.approx(0.8)
        assert v.status == NON_COMPLIANT
        assert v.details["users"] == 2 and v.details["permit_holders"] == 1


class TownCapTests:
    def test_town_caps_leave_agriculture_and_irrigation_out(self):
        """Town 1: industry 50,000 + residential 30,000 + agriculture 100,000 m³; cap 100,000 m³.
        Use under the cap = 50,000 + 30,000 = 80,000 → 80 % ≤ 100 % → compliant (with
        agriculture it would read 180 %). Town 2 has no cap: no_data. County line: 1 of 1
        town with a cap is within it = 100 %."""
        data = county(
            towns=[TownInput(1, "T1", "T1", 1000, 1, 100_000.0), TownInput(2, "T2", "T2", 500, 1)],
            users=[
                user(1, "industry", 50_000),
                user(2, "residential", 30_000),
                user(3, "agriculture", 100_000),
                user(4, "industry", 9_999, town=2),
            ],
        )
        rows = [r for r in town_rows(data, IND) if r.indicator == "town.water_use_cap"]
        t1, t2 = (r.verdict for r in rows)
        assert t1.value == pytest.approx(0.8) and t1.status == COMPLIANT
        assert t1.details["use_m3"] == 80_000
        assert t2.status == NO_DATA
        share = line(data, "county.town_cap_compliance", rows)
        assert share.value == 1.0


class SurchargeBasisTests:
    def test_self_supplied_users_are_surcharged_on_the_resource_tax(self):
        """Plan 100,000 m³, use 110,000 m³: 10,000 m³ over (10 %, first tier +0.5×) → surcharge
        = 5,000 m³ at the basis. A network user's basis is the water price; a self-supplied
        user pays no water price, so its basis is the water-resource tax."""
        params = IND["user.over_plan"].params
        net = users.over_plan(110_000, 100_000, params)
        own = users.over_plan(110_000, 100_000, params, source="groundwater")
        assert net.details["surcharge_multiples"] == own.details["surcharge_multiples"] == 5000
        assert net.details["surcharge_basis"] == "water_price"
        assert own.details["surcharge_basis"] == "resource_tax"
        assert "水资源税" in own.explanation_zh and "基本水价" in net.explanation_zh


class ReceivingWaterTests:
    @pytest.mark.parametrize(
        "grade,zone_class,body,status",
        [
            ("2", 3, "river", NON_COMPLIANT),  # class III needs at least 1B (§4.1.2.2)
            ("1B", 3, "river", COMPLIANT),
            ("2", 4, "river", COMPLIANT),  # class IV–V: grade 2 (§4.1.2.3)
            ("2", 4, "reservoir", NON_COMPLIANT),  # closed water: at least 1B (§4.1.2.2)
            ("1B", 4, "lake", COMPLIANT),
            ("1A", 2, "river", NON_COMPLIANT),  # class I–II take no new discharge
        ],
    )
    def test_grade_against_the_receiving_zone(self, grade, zone_class, body, status):
        plant = PlantInput(
            1, "P1", "P1", None, "operating", 10_000, grade, None, [], "Z1", zone_class, body
        )
        rows = sewage_rows(county(plants=[plant]), IND)
        v = next(r.verdict for r in rows if r.indicator == "sewage.receiving_grade")
        assert v.status == status

    def test_no_zone_near_is_no_data(self):
        plant = PlantInput(1, "P1", "P1", None, "operating", 10_000, "2", None, [])
        rows = sewage_rows(county(plants=[plant]), IND)
        assert (
            next(r.verdict for r in rows if r.indicator == "sewage.receiving_grade").status
            == NO_DATA
        )

    def test_effluent_sentences_say_monthly_means_meet_daily_limits(self):
        month = {
            "month": "2024-01",
            "cod": 40,
            "bod5": 8,
            "ss": 8,
            "nh3n": 3,
            "tn": 10,
            "tp": 0.3,
            "water_temp_c": 20,
            "treated_m3": 1,
            "reclaimed_m3": 0,
        }
        plant = PlantInput(1, "P1", "P1", None, "operating", 10_000, "1A", None, [month])
        v = next(
            r.verdict
            for r in sewage_rows(county(plants=[plant]), IND)
            if r.indicator == "sewage.effluent"
        )
        assert "日均值" in v.explanation_zh and "daily means" in v.explanation_en


class EfficientIrrigationTests:
    def test_share_of_efficient_irrigation(self):
        """Districts of 1,000 亩 (200 efficient) and 3,000 亩 (400 efficient): 600 / 4,000 =
        15 % ≥ 15 % → the bonus item is earned."""
        districts = [
            DistrictInput(1, "D1", "D1", "rice", None, 1000.0, 200.0),
            DistrictInput(2, "D2", "D2", "rice", None, 3000.0, 400.0),
        ]
        v = line(county(districts=districts), "county.efficient_irrigation")
        assert v.value == pytest.approx(0.15) and v.status == COMPLIANT


# --- the verdict -----------------------------------------------------------------------------
def sl(code, kind, status, max_points, assessment="standard_2017") -> ScoreLine:
    return ScoreLine(
        code, kind, assessment, None, "", line_points(kind, status, max_points), max_points, status
    )


class ScoreTests:
    def test_totals_and_a_fail_no_unjudged_line_can_save(self):
        """Scored: A 60 met, B 30 failed, C 10 no data. Bonus (cap 3): two of 2 earned, one of
        2 no data. Total = 60 + min(3, 4) = 63. Unjudged: C (10) and the bonus without data.
        Maximum attainable with the data held = 100 − 10 + min(3, 4) = 93. Best case = 63 −
        3 + 10 + min(3, 6) = 73 < 90 → failed, whatever C turns out to be."""
        lines = [
            sl("P", "prerequisite", COMPLIANT, 0),
            sl("A", "scorecard", COMPLIANT, 60),
            sl("B", "scorecard", NON_COMPLIANT, 30),
            sl("C", "scorecard", NO_DATA, 10),
            sl("X", "bonus", COMPLIANT, 2),
            sl("Y", "bonus", COMPLIANT, 2),
            sl("Z", "bonus", NO_DATA, 2),
        ]
        card = score(lines, 90, bonus_cap=3)
        assert card["total"] == 63
        assert card["bonus_points"] == 3
        assert card["max_total"] == 100
        assert card["maximum_attainable"] == 93
        assert card["unjudged_points"] == 10
        assert card["unjudged_codes"] == ["C", "Z"]
        assert card["best_case"] == 73
        assert card["verdict"] == FAILED and card["passed"] is False

    def test_cannot_be_judged_while_unjudged_points_could_carry_the_pass(self):
        """A 80 met, B 10 failed, C 10 no data: total 80, best case 90 ≥ 90 → cannot be judged."""
        card = score(
            [
                sl("A", "scorecard", COMPLIANT, 80),
                sl("B", "scorecard", NON_COMPLIANT, 10),
                sl("C", "scorecard", NO_DATA, 10),
            ],
            90,
        )
        assert card["total"] == 80 and card["best_case"] == 90
        assert card["verdict"] == CANNOT_BE_JUDGED

    def test_a_prerequisite_vetoes_and_never_scores(self):
        """A 95 met, B 5 met: total 100 ≥ 90. The prerequisite P (declared 4 points) scores 0
        whatever its status. P failed → failed, vetoed by P; P without data → cannot be judged;
        P met → passed."""
        assert line_points("prerequisite", COMPLIANT, 4) == 0
        scored = [sl("A", "scorecard", COMPLIANT, 95), sl("B", "scorecard", COMPLIANT, 5)]
        for status, verdict in (
            (NON_COMPLIANT, FAILED),
            (NO_DATA, CANNOT_BE_JUDGED),
            (COMPLIANT, PASSED),
        ):
            card = score(
                [ScoreLine("P", "prerequisite", "standard_2017", None, "", 0, 4, status), *scored],
                90,
            )
            assert card["total"] == 100, status
            assert card["verdict"] == verdict, status
        assert score([sl("P", "prerequisite", NON_COMPLIANT, 0), *scored], 90)["vetoed_by"] == ["P"]

    def test_lines_of_other_assessments_never_move_the_total(self):
        """A line of the 最严格水资源管理 assessment worth 50 'points' and met adds nothing:
        total stays 60 and the maximum 100 (the standard's scored lines only)."""
        lines = [
            sl("A", "scorecard", COMPLIANT, 60),
            sl("B", "scorecard", NON_COMPLIANT, 40),
            sl("W", "scorecard", COMPLIANT, 50, assessment="strictest"),
        ]
        card = score(lines, 90)
        assert card["total"] == 60 and card["max_total"] == 100

    def test_a_year_without_lines_is_no_data(self):
        card = score([], 90)
        assert card["verdict"] == "no_data" and card["passed"] is False

    def test_seeded_scorecard_on_an_empty_county_is_never_a_pass_or_a_veto(self):
        """A county with no data at all: every standard line is no_data → no veto, total 0,
        unjudged = the 100 scored points, best case 100 + the bonus cap ≥ 90 → cannot be judged."""
        card = score_rows(county_rows(county(), [], IND, {}), IND)
        assert card["vetoed_by"] == []
        assert card["total"] == 0
        assert card["unjudged_points"] == 100
        assert card["verdict"] == CANNOT_BE_JUDGED


def test_the_consumption_api_caps_cover_what_the_town_cap_rule_covers():
    """The consumption API's cap_used_percent and the town.water_use_cap rule leave out the
    same sectors (irrigation districts never count in either)."""
    from consumption.sql import CAP_EXCLUDED_SECTORS

    assert list(CAP_EXCLUDED_SECTORS) == IND["town.water_use_cap"].params["sectors_excluded"]
