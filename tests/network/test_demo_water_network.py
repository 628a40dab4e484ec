"""The demo network is a water network: its steady-state run delivers the demand at the
minimum service pressure but for SZ05's planted hilltop village, and a burst is shut off by a
handful of valves (demo/pipe_sizing.py, demo/network_terrain.py; docs/hydraulics.md)."""

from __future__ import annotations

import random
import statistics

import pytest
from django.db.models import F, Sum

from network.analysis import selectors
from network.hydraulics.selectors import run_zones
from network.models import HydraulicRun, NodePressure

pytestmark = pytest.mark.django_db


class DemoWaterNetworkTests:
    def test_steady_run_delivers_the_demand(self):
        """The demo load's steady-state PDA run (2025 demand): >= 95 % of the demand
        delivered over the county, every zone but SZ05 with no junction below 14.28 m."""
        run = HydraulicRun.objects.filter(status="done", hours=0).latest("created_at")
        rows = NodePressure.objects.filter(run=run)
        totals = rows.aggregate(
            demand=Sum("demand_lps"), delivered=Sum(F("demand_lps") * F("delivered_share"))
        )
        assert totals["delivered"] / totals["demand"] >= 0.95
        zones = {z["code"]: z for z in run_zones(run.pk)}
        assert zones["SZ05"]["below"] > 0  # the hilltop village
        assert all(z["below"] == 0 for code, z in zones.items() if code != "SZ05")

    def test_a_burst_needs_a_handful_of_valves(self):
        """Valves to close over 100 random in-service pipes: median <= 4, none above 8 (the
        demo once needed hundreds: valves were on 30 % of the main crossings only)."""
        graph = selectors.network_data().graph
        pipes = random.Random(18).sample(sorted(graph.ends), 100)
        valves = [len(graph.segment(p)[0]) for p in pipes]
        assert statistics.median(valves) <= 4
        assert max(valves) <= 8
