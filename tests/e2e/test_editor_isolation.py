"""The editor's "Isolate a burst" (模拟爆管) in Chromium: on a selected demo pipe, the valves to
close, the isolated pipes and the pipes without supply are drawn and summed up as the API
answers them, then its downstream and upstream traces; nothing is written; the marks go with
"Clear"."""

from __future__ import annotations

import pytest

from network.analysis import selectors
from network.models import PipeSegment
from tests.e2e.test_editor import (
    _fingerprint,
    along,
    open_editor,
    page,  # noqa: F401 - the editor tests' page (waits for requests in flight)
    select_pipe,
    settle,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def small_burst() -> PipeSegment:
    """A demo pipe whose burst is closed off by two to four valves and leaves other pipes
    without supply besides the isolated ones."""
    graph = selectors.network_data().graph
    seen = set()
    for pipe in sorted(graph.ends):
        if pipe in seen:
            continue
        valves, _feeds, isolated = graph.segment(pipe)
        seen |= isolated
        if 2 <= len(valves) <= 4 and graph.isolation(pipe).without_supply:
            return PipeSegment.objects.get(pk=pipe)
    raise AssertionError("no demo burst isolated by 2 to 4 valves cuts off other pipes")


class EditorIsolationTests:
    def test_isolate_a_burst_on_the_selected_pipe(self, page, site):  # noqa: F811
        pipe = small_burst()
        expected = selectors.pipe_isolation(pipe.pk, user_details=True, geometry=False)
        before = _fingerprint()
        open_editor(page, site, along(pipe, 0.5), 18)
        select_pipe(page, pipe)
        button = page.locator("#pipe-isolate")
        assert button.is_visible()
        button.click()
        page.wait_for_selector("#isolation:not([hidden])")
        settle(page)
        box = page.locator("#isolation")
        assert box.get_attribute("data-pipe") == str(pipe.pk)
        assert pipe.code in page.inner_text("#isolation h2")
        valves = len(expected["valves"])
        assert box.get_attribute("data-valves") == str(valves)
        assert page.inner_text("#isolation-valves") == str(valves)
        assert box.get_attribute("data-isolated") == str(expected["isolated"]["count"])
        without = expected["without_supply"]["count"]
        assert box.get_attribute("data-without-supply") == str(without)
        assert page.inner_text("#isolation-users") == str(expected["users"]["count"])
        demand = f"{expected['users']['demand_m3_per_day']:.1f}"
        assert page.inner_text("#isolation-demand") == demand
        listed = page.locator("#isolation-valve-list li")
        assert [listed.nth(i).inner_text() for i in range(listed.count())] == [
            v["code"] for v in expected["valves"]
        ]
        # On the map: a marker per valve; the isolated pipes (and any without supply) drawn.
        assert page.locator("path.isolation-valve").count() == valves
        assert without > 0
        drawn = page.locator(".leaflet-editor-isolation-pane path")
        assert drawn.count() == 2  # one MultiLineString each
        shot(page, "isolation")
        # A valve in the list takes the map to it.
        listed.first.click()
        settle(page)
        centre = page.evaluate(
            "() => { const c = window.__lianzhouTest.editor.state.map.getCenter();"
            " return [c.lng, c.lat]; }"
        )
        assert centre == pytest.approx(expected["valves"][0]["coordinates"], abs=1e-5)
        page.click("#isolation-clear")
        assert not page.is_visible("#isolation")
        assert page.locator("path.isolation-valve").count() == 0
        assert page.locator(".leaflet-editor-isolation-pane path").count() == 0
        # The traces from the same pipe, drawn and summed up the same way.
        for direction in ("downstream", "upstream"):
            trace = selectors.pipe_trace(pipe.pk, direction, user_details=True, geometry=False)
            page.click(f"#pipe-trace-{direction}")
            page.wait_for_selector(f"#trace[data-direction='{direction}']:not([hidden])")
            settle(page)
            assert page.locator("#trace").get_attribute("data-count") == str(trace["count"])
            assert page.inner_text("#trace-pipes").startswith(f"{trace['count']} ·")
            assert page.is_visible(f"#trace-title-{direction}")
            assert page.is_visible("#trace-users") == (direction == "downstream")
            assert page.locator(".leaflet-editor-isolation-pane path").count() == (
                1 if trace["count"] else 0
            )
            shot(page, f"trace-{direction}")
        assert trace["count"] > 0  # the pipe hangs off the sources through bridges
        page.click("#trace-clear")
        assert not page.is_visible("#trace")
        assert page.locator(".leaflet-editor-isolation-pane path").count() == 0
        assert _fingerprint() == before  # reading only
        page.watch.assert_clean()
