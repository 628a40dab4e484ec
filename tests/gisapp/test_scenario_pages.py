"""The planners' what-if page and the ranked action list (server-rendered, nothing stored)."""

from __future__ import annotations

import re

import pytest

from demo.load import DEMO_ACCOUNTS
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


def signed_in(client, name: str):
    client.login(username=name, password=DEMO_ACCOUNTS[name][1])
    return client


class ScenarioPageTests:
    def test_road_to_90_passes_and_nothing_is_stored(self, client):
        planner = signed_in(client, "planner")
        form = planner.get("/scenarios/", **HOST).content.decode()
        assert "情景分析" in form or "What-if" in form
        before = tables_fingerprint()
        html = planner.post(
            "/scenarios/", {"year": "2025", "preset": "road_to_90"}, **HOST
        ).content.decode()
        assert tables_fingerprint() == before
        assert re.search(r'id="baseline-card".*?data-verdict="failed"', html, re.S)
        assert re.search(r'id="scenario-card".*?data-verdict="passed"', html, re.S)
        assert 'class="changed"' in html  # the lines the scenario moves stand out

    def test_one_change_moves_one_line(self, client):
        """Public institutions recognised at 55 % (2023: 39 % in the demo) earn that line's
        5 points and nothing else."""
        planner = signed_in(client, "planner")
        html = planner.post(
            "/scenarios/", {"year": "2023", "carriers_institution": "55"}, **HOST
        ).content.decode()
        changed = re.findall(r'<tr class="changed"><td>([^<]+)</td>', html)
        assert changed == ["公共机构节水型单位建成率"]

    def test_bad_input_is_a_clear_400(self, client):
        planner = signed_in(client, "planner")
        response = planner.post("/scenarios/", {"year": "2025", "nonconventional": "abc"}, **HOST)
        assert response.status_code == 400 and 'id="scenario-error"' in response.content.decode()
        response = planner.post("/scenarios/", {"year": "2025", "leakage_target": "-5"}, **HOST)
        assert response.status_code == 400

    def test_officials_may_not_run_scenarios_but_see_the_actions(self, client):
        official = signed_in(client, "official")
        assert official.get("/scenarios/", **HOST).status_code == 403
        html = official.get("/scenarios/actions/?year=2024", **HOST).content.decode()
        assert 'id="actions"' in html and "<td>1</td>" in html
