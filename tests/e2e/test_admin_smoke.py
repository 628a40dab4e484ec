"""Browser smoke test: an engineer opens a pipe in the admin and sees it on the Leaflet widget."""

import pytest

from demo.load import DEMO_ACCOUNTS
from network.models import PipeSegment
from tests.e2e.conftest import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


class AdminPipeSmokeTests:
    def test_engineer_sees_pipe_geometry_on_leaflet_widget(self, page, site):
        pipe = PipeSegment.objects.filter(status="in_service").order_by("id").first()
        login(page, site.url, "engineer", DEMO_ACCOUNTS["engineer"][1])
        page.goto(f"{site.url}/admin/network/pipesegment/{pipe.pk}/change/")
        page.wait_for_selector(".leaflet-container")
        # The stored line is drawn as an SVG path on the widget's map.
        path = page.wait_for_selector(".leaflet-container path.leaflet-interactive")
        assert path.get_attribute("d")
        assert page.locator("input[name=diameter_mm]").input_value() == str(pipe.diameter_mm)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-pipe-engineer.png"))
        page.watch.assert_clean()
