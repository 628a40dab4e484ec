"""Browser: every page, as a Chinese-speaking administrator reads it once its scripts have run,
holds no untranslated English phrase and no internal note."""

from __future__ import annotations

import re

import pytest

from demo.load import DEMO_ACCOUNTS
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PAGES = (
    "/map/",
    "/data/",
    "/data/pipes/import/",
    "/data/records/consumption/import/",
    "/data/rasters/elevation/import/",
    "/consumption/",
    "/consumption/users/",
    "/network/edit/",
    "/reports/county/?year=2025",
    "/registers/",
    "/registers/tasks/",
    "/registers/withdrawal-permits/",
    "/registers/publicity-events/import/",
    "/scenarios/",
    "/scenarios/actions/",
    "/reports/county/?year=2024",
    "/admin/",
    "/admin/audit/auditevent/",
    "/admin/dataio/importjob/",
    "/nope/",
)
# Two or more English words in a row: a sentence or label left untranslated.
ENGLISH = re.compile(r"\b[A-Za-z][a-z]{2,}(?:[ -]+[A-Za-z][a-z]{2,})+\b")
# Proper names and notations a Chinese page keeps as they are.
KEPT = (
    "Gauss-Kruger",
    "Pseudo-Mercator",
    "Choose File",  # the browser's own file button (its locale, not ours)
    "No file chosen",
    "Leaflet",
    "OpenStreetMap",
)
INTERNAL = re.compile(r"DESIGN|TODO|FIXME|待核（DESIGN")


def untranslated(text: str) -> list[str]:
    hits = set(ENGLISH.findall(text))
    return sorted(h for h in hits if not any(k in h or h in k for k in KEPT))


class LanguageTests:
    def test_no_english_phrase_and_no_internal_note_on_any_page(self, page, site):
        page.set_viewport_size({"width": 1440, "height": 900})
        login(page, site.url, "admin", DEMO_ACCOUNTS["admin"][1])
        found = {}
        for path in PAGES:
            page.goto(site.url + path)
            page.wait_for_load_state("networkidle")
            text = page.inner_text("body")
            problems = untranslated(text) + INTERNAL.findall(text)
            if problems:
                found[path] = problems
        assert found == {}
