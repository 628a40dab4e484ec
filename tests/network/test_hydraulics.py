"""Hydraulics without a database: a hand-made network whose pressures are worked out with
Hazen-Williams and matched by WNTR's and EPANET's solvers, the .inp writer read back by WNTR,
the roughness table and the demand pattern."""

from __future__ import annotations

import math

import pytest
import wntr

from network.hydraulics.inp import (
    HydraulicModel,
    Junction,
    Pipe,
    Reservoir,
    epanet_id,
    inp_text,
)
from network.hydraulics.patterns import DIURNAL, hourly_multipliers, month_factors
from network.hydraulics.roughness import ROUGHNESS, UNKNOWN_AGE_YEARS, hazen_williams_c
from network.hydraulics.simulate import simulate
from network.models import PipeSegment


def hw_headloss(length_m: float, flow_lps: float, c: float, diameter_mm: float) -> float:
    """Hazen-Williams in SI units: h = 10.67 L Q^1.852 / (C^1.852 D^4.87), Q m³/s, D m."""
    q, d = flow_lps / 1000, diameter_mm / 1000
    return 10.67 * length_m * q**1.852 / (c**1.852 * d**4.87)


def worked_example(multipliers=()) -> HydraulicModel:
    """A branched network fed by one reservoir R at a head of 100 m:

        R --P1-- J1 --P2-- J2 --P4-- J4
                  |
                  P3
                  |
                  J3

    pipe  from-to  L (m)  D (mm)  C     junction  elevation (m)  demand (L/s)
    P1    R-J1     1000   300     130   J1        50             10
    P2    J1-J2     800   200     120   J2        45             15
    P3    J1-J3     600   150     140   J3        55              5
    P4    J2-J4     500   150     100   J4        40              8

    A tree: each pipe carries the demand downstream of it. Q4 = 8, Q2 = 15 + 8 = 23,
    Q3 = 5, Q1 = 10 + 23 + 5 = 38 L/s. Head losses h = 10.67 L Q^1.852 / (C^1.852 D^4.87):
    h1 = 1.0698, h2 = 2.8217, h3 = 0.3825, h4 = 1.4194 m. Heads: H1 = 100 − 1.0698 = 98.9302,
    H2 = H1 − 2.8217 = 96.1084, H3 = H1 − 0.3825 = 98.5477, H4 = H2 − 1.4194 = 94.6891.
    Pressures = head − elevation: J1 48.930, J2 51.108, J3 43.548, J4 54.689 m.
    """
    return HydraulicModel(
        junctions=[
            Junction("J1", 50, 10, 100, 0),
            Junction("J2", 45, 15, 900, 0),
            Junction("J3", 55, 5, 100, -600),
            Junction("J4", 40, 8, 1400, 0),
        ],
        reservoirs=[Reservoir("R", 100, -900, 0)],
        pipes=[
            Pipe("P1", "R", "J1", 1000, 300, 130),
            Pipe("P2", "J1", "J2", 800, 200, 120),
            Pipe("P3", "J1", "J3", 600, 150, 140),
            Pipe("P4", "J2", "J4", 500, 150, 100),
        ],
        multipliers=list(multipliers),
        title="worked example",
    )


EXPECTED = {"J1": 48.930, "J2": 51.108, "J3": 43.548, "J4": 54.689}
# EPANET converts SI input to US units and uses 4.727 (ft, cfs) for the constant: the same
# formula to within 0.1 % of a head loss, a few millimetres here.
TOLERANCE_M = 0.02


@pytest.fixture
def example_inp(tmp_path):
    path = tmp_path / "example.inp"
    path.write_text(inp_text(worked_example(), hours=0))
    return path


class WorkedExampleTests:
    def test_the_docstring_arithmetic(self):
        """The figures of the docstring come from the formula (so the example is honest)."""
        h1 = hw_headloss(1000, 38, 130, 300)
        h2 = hw_headloss(800, 23, 120, 200)
        h3 = hw_headloss(600, 5, 140, 150)
        h4 = hw_headloss(500, 8, 100, 150)
        computed = {
            "J1": 100 - h1 - 50,
            "J2": 100 - h1 - h2 - 45,
            "J3": 100 - h1 - h3 - 55,
            "J4": 100 - h1 - h2 - h4 - 40,
        }
        for name, value in EXPECTED.items():
            assert computed[name] == pytest.approx(value, abs=0.001)

    @pytest.mark.parametrize("engine", ["epanet", "wntr"])
    def test_steady_state_pressures_match_the_hand_calculation(self, example_inp, engine):
        """The .inp written by inp_text, read by wntr.network.WaterNetworkModel and run by
        EPANET's engine (EpanetSimulator) and by WNTR's own solver: the pressures of the
        docstring within 2 cm."""
        result = simulate(example_inp, hours=0, engine=engine)
        assert sorted(result["junctions"]) == ["J1", "J2", "J3", "J4"]
        assert result["reservoirs"] == ["R"]
        for name, value in EXPECTED.items():
            assert result["junctions"][name]["steady_m"] == pytest.approx(value, abs=TOLERANCE_M)
            # no extended period: the minimum is the steady state
            assert result["junctions"][name]["min_m"] == result["junctions"][name]["steady_m"]
            assert result["junctions"][name]["share"] == pytest.approx(1.0)

    def test_extended_period_minimum_at_the_peak_hour(self, tmp_path):
        """24 h with the diurnal pattern × a month factor of 1.2. In a tree every flow scales
        with the multiplier m, so a pressure is H0 − elevation − Σh(m·Q): lowest at the highest
        multiplier (1.2 × the diurnal peak, first reached at 07:00). At J4, m = 1.2 × 1.5/mean:
        Σh over P1, P2, P4 with flows × m."""
        multipliers = hourly_multipliers(1.2, 24)
        path = tmp_path / "eps.inp"
        path.write_text(inp_text(worked_example(multipliers), hours=24))
        result = simulate(path, hours=24)
        peak = max(multipliers)
        j4 = result["junctions"]["J4"]
        expected_min = (
            100
            - hw_headloss(1000, 38 * peak, 130, 300)
            - hw_headloss(800, 23 * peak, 120, 200)
            - hw_headloss(500, 8 * peak, 100, 150)
            - 40
        )
        assert j4["at_hour"] == multipliers.index(peak) == 7
        # 12 m of head loss at the peak: EPANET's constant is 0.1 % off 10.67 → 5 cm allowed
        assert j4["min_m"] == pytest.approx(expected_min, abs=0.05)
        # the steady state is at base demand, whatever the pattern says
        assert j4["steady_m"] == pytest.approx(EXPECTED["J4"], abs=TOLERANCE_M)
        assert j4["min_m"] < j4["mean_m"] < j4["steady_m"] + 1.0

    def test_pressure_driven_demand_falls_where_the_head_cannot_serve_it(self, tmp_path):
        """J3 raised to 95 m: at most 100 − 95 = 5 m of pressure there, below a required
        pressure of 14 m, so PDA delivers only part of its 5 L/s (share < 1) and its pressure
        stays between 0 and 5 m; J4 (54 m of pressure) gets all its demand."""
        model = worked_example()
        model.junctions[2] = Junction("J3", 95, 5)
        path = tmp_path / "pda.inp"
        path.write_text(inp_text(model, hours=0, required_pressure_m=14.0))
        j = simulate(path, hours=0)["junctions"]
        assert 0 < j["J3"]["share"] < 1
        assert 0 <= j["J3"]["steady_m"] < 5
        assert j["J4"]["share"] == pytest.approx(1.0, abs=1e-3)


class InpFileTests:
    def test_read_back_by_wntr(self, tmp_path):
        """Every element, unit and option of the writer survives WNTR's reader (SI inside
        WNTR: m, m³/s)."""
        path = tmp_path / "w.inp"
        path.write_text(inp_text(worked_example(hourly_multipliers(1.0, 24)), hours=24))
        wn = wntr.network.WaterNetworkModel(str(path))
        assert wn.num_junctions == 4 and wn.num_reservoirs == 1 and wn.num_pipes == 4
        assert wn.options.hydraulic.headloss == "H-W"
        assert wn.options.hydraulic.inpfile_units == "LPS"
        assert wn.options.time.duration == 24 * 3600
        p2 = wn.get_link("P2")
        assert (p2.length, p2.diameter, p2.roughness) == (800, pytest.approx(0.2), 120)
        j2 = wn.get_node("J2")
        assert j2.elevation == 45
        assert j2.demand_timeseries_list[0].base_value == pytest.approx(0.015)
        assert j2.demand_timeseries_list[0].pattern_name == "DEMAND"
        assert len(wn.get_pattern("DEMAND").multipliers) == 24
        assert wn.get_node("R").base_head == 100
        assert wn.get_node("J4").coordinates == (1400, 0)

    def test_steady_file_has_no_pattern(self):
        text = inp_text(worked_example(), hours=0)
        assert "Duration\t0:00" in text and "DEMAND" not in text
        assert "Demand Model\tDDA" in text

    def test_ids_epanet_accepts(self):
        """A code EPANET accepts is the ID; spaces, semicolons, quotes, Chinese or more than
        31 characters fall back to prefix + id."""
        assert epanet_id("N0001", "N", 7) == "N0001"
        assert epanet_id("阀门1", "N", 7) == "N7"
        assert epanet_id("A B", "N", 7) == "N7"
        assert epanet_id("A;B", "P", 8) == "P8"
        assert epanet_id("x" * 32, "P", 9) == "P9"


class RoughnessTests:
    def test_new_plastic_and_aged_cast_iron(self):
        """PE does not age: 140 at any age. Grey cast iron: 130 − 1 × 20 years = 110 in 2025
        for a 2005 pipe; 130 − 60 = 70 would be below its floor of 80."""
        assert hazen_williams_c("PE", 1995, 2025) == 140
        assert hazen_williams_c("cast_iron", 2005, 2025) == 110
        assert hazen_williams_c("cast_iron", 1965, 2025) == 80

    def test_unknown_year_and_material(self):
        """No install year: UNKNOWN_AGE_YEARS (30) old: steel 140 − 0.8 × 30 = 116. An unknown
        material takes 'other' (120). A future install year counts as new."""
        assert UNKNOWN_AGE_YEARS == 30
        assert hazen_williams_c("steel", None, 2025) == 116
        assert hazen_williams_c("bamboo", 2020, 2025) == 120
        assert hazen_williams_c("steel", 2030, 2025) == 140

    def test_every_material_of_the_model_has_a_row(self):
        assert set(PipeSegment.Material.values) <= set(ROUGHNESS)
        assert all(r.floor_c <= r.new_c for r in ROUGHNESS.values())


class PatternTests:
    def test_diurnal_mean_is_one(self):
        """A day's volume is the base demand × 24 h: the multipliers average 1."""
        assert len(DIURNAL) == 24
        assert sum(DIURNAL) / 24 == pytest.approx(1.0, abs=1e-3)

    def test_month_factors(self):
        """Mean daily use 90, 120, 90 m³: mean 100; factors 0.9, 1.2, 0.9. No use: 1 each."""
        assert month_factors({1: 90, 2: 120, 3: 90}) == {1: 0.9, 2: 1.2, 3: 0.9}
        assert month_factors({1: 0, 2: 0}) == {1: 1.0, 2: 1.0}

    def test_hourly_multipliers_repeat_each_day(self):
        m = hourly_multipliers(1.1, 48)
        assert len(m) == 48 and m[:24] == m[24:]
        assert m[7] == pytest.approx(1.1 * DIURNAL[7], abs=1e-4)
        assert not any(math.isnan(v) for v in m)
