"""Browser: a planner runs the road-to-90 scenario on the page and sees the county pass; an
official opens the ranked actions."""

from __future__ import annotations

import pytest

from demo.load import DEMO_ACCOUNTS
from tests.e2e.conftest import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


class ScenarioBrowserTests:
    @pytest.mark.parametrize("size", [(1366, 768), (1440, 900)])
    def test_planner_reaches_the_pass_line(self, page, site, size):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        login(page, site.url, "planner", DEMO_ACCOUNTS["planner"][1])
        page.click("header nav a[href='/scenarios/']")
        page.fill("input[name=year]", "2025")
        page.check("input[name=preset][value=road_to_90]")
        page.click("#run")
        page.wait_for_selector("#scenario-card")
        assert page.get_attribute("#baseline-card [data-verdict]", "data-verdict") == "failed"
        assert page.get_attribute("#scenario-card [data-verdict]", "data-verdict") == "passed"
        assert page.locator("#scenario-lines tr.changed").count() >= 5
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"scenario-{size[0]}.png"), full_page=True)
        page.watch.assert_clean()

    def test_official_sees_ranked_actions(self, page, site):
        login(page, site.url, "official", DEMO_ACCOUNTS["official"][1])
        page.goto(f"{site.url}/scenarios/actions/?year=2024")
        assert page.locator("#actions tbody tr").count() >= 3
        assert page.locator("header nav a[href='/scenarios/']").count() == 0
        page.screenshot(path=str(ARTIFACTS / "actions.png"), full_page=True)
        page.watch.assert_clean()
