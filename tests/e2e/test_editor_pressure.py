"""The editor's "Low-pressure nodes" (低压节点) in Chromium: the junctions below the minimum
service pressure in the demo's hydraulic run are drawn red, counted in the side panel as the
API answers them, and each opens a popup with its pressure in m and MPa; nothing is written."""

from __future__ import annotations

import pytest

from network.models import HydraulicRun, NodePressure
from tests.e2e.test_editor import (
    _fingerprint,
    open_editor,
    page,  # noqa: F401 - the editor tests' page (waits for requests in flight)
    settle,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


class EditorPressureTests:
    def test_low_pressure_nodes_of_the_latest_run(self, page, site):  # noqa: F811
        run = HydraulicRun.objects.filter(status="done").latest("created_at")
        below = NodePressure.objects.filter(run=run, below_minimum=True).select_related("node")
        assert below.count() == run.below_count > 0  # SZ05's hilltop village
        lowest = below.order_by("pressure_min_m", "node__code").first()
        before = _fingerprint()
        open_editor(page, site, (lowest.node.geom.x, lowest.node.geom.y), 17)
        page.click("#tool-pressure")
        page.wait_for_selector("#pressure:not([hidden])")
        settle(page)
        box = page.locator("#pressure")
        assert box.get_attribute("data-run") == str(run.pk)
        assert box.get_attribute("data-below") == str(run.below_count)
        assert page.inner_text("#pressure-count") == f"{run.below_count} / {run.node_count}"
        assert page.locator("path.pressure-node").count() == run.below_count
        page.locator("path.pressure-node").first.click(force=True)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        assert "MPa" in text and "14.28 m" in text and "CJ/T 316-2009" in text
        shot(page, "low-pressure")
        page.click("#pressure-clear")
        assert page.locator("path.pressure-node").count() == 0
        assert box.is_hidden()
        assert _fingerprint() == before
