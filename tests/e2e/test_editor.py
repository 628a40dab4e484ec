"""The network editor in Chromium: snapping a drawn end onto a node within the server's tolerance,
split, a conflict with a colleague's edit, revert from the history, a refusal with its place,
the network check, and no editor for officials.

The live server's data is shared by the later browser tests (and by the tests that run after
them in the same database), so every test that writes runs inside `network_restored()`: the
network tables are copied (committed) first and every row is put back afterwards.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import pytest
import shapely
from django.core.cache import cache
from django.db import connection
from pyproj import Geod

from demo.load import DEMO_ACCOUNTS
from network.models import LeakRecord, NetworkChange, PipeNode, PipeSegment
from network.services.check import network_problems
from tests.e2e.conftest import ARTIFACTS, committed_sql, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

GEOD = Geod(ellps="WGS84")
EDITOR = "/network/edit/"
# Tables an edit can change, and where their rows are kept meanwhile.
NETWORK_TABLES = (
    "layers_pipenode",
    "layers_pipesegment",
    "layers_leakrecord",
    "layers_pipecrossing",
)
BACKUP_PREFIX = "e2e_editor_backup_"

TO_PIXEL = """([lon, lat]) => {
  const map = window.__lianzhouTest.editor.state.map;
  const p = map.latLngToContainerPoint([lat, lon]);
  const box = map.getContainer().getBoundingClientRect();
  return [box.left + p.x, box.top + p.y];
}"""
SET_VIEW = """([lon, lat, zoom]) => {
  window.__lianzhouTest.editor.state.map.setView([lat, lon], zoom, {animate: false});
}"""
# The page's test hook (gisapp/static/gisapp/test-hook.js), set once the editor's module ran.
IDLE = "() => !!window.__lianzhouTest?.editor?.idle()"


@pytest.fixture
def page(page):
    """The conftest's page, counting its requests in flight: a test ends only when none is
    left, so that no request reaches the live server after the test's database access.

    While Playwright's loop runs, this test's queries go through a connection of their own
    (autocommit: they see what the server commits); it is closed at the end, or the test
    database could not be dropped after the session."""
    inflight = set()
    page.on("request", lambda r: inflight.add(r))
    page.on("requestfinished", lambda r: inflight.discard(r))
    page.on("requestfailed", lambda r: inflight.discard(r))
    page.inflight = inflight
    yield page
    connection.close()


def drain(page, quiet_ms: int = 300) -> None:
    """Wait until no request has been in flight for quiet_ms."""
    waited = 0
    while waited < quiet_ms:
        page.wait_for_timeout(50)
        waited = 0 if page.inflight else waited + 50


# --- restoring the shared data ---------------------------------------------------------------
def _columns(table: str) -> list[str]:
    """The table's writable columns (a generated one, geom_3857, is the database's)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND is_generated = 'NEVER' ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cur.fetchall()]


def _fingerprint() -> dict[str, str]:
    """An md5 of every row of the network tables, as committed (the server's view)."""
    out = {}
    with connection.cursor() as cur:
        for table in NETWORK_TABLES:
            cur.execute(
                f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' "  # noqa: S608
                f"ORDER BY id)), '') FROM {table} t"  # fixed table names
            )
            out[table] = cur.fetchone()[0]
    return out


def _restore(last_change_id: int) -> None:
    """Put every row of the network tables back as copied; drop what the test added."""
    insert_order = NETWORK_TABLES  # nodes before pipes before the rows pointing at pipes
    for table in insert_order:
        backup = BACKUP_PREFIX + table
        cols = [c for c in _columns(table) if c != "id"]
        assign = ", ".join(f"{c} = b.{c}" for c in cols)
        committed_sql(
            f"UPDATE {table} t SET {assign} FROM {backup} b "  # noqa: S608
            "WHERE t.id = b.id AND t::text IS DISTINCT FROM b::text",
            [],
        )
        every = ", ".join(["id", *cols])
        committed_sql(
            f"INSERT INTO {table} ({every}) SELECT {every} FROM {backup} b "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = b.id)",
            [],
        )
    for table in reversed(insert_order):
        backup = BACKUP_PREFIX + table
        committed_sql(
            f"DELETE FROM {table} t WHERE NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {backup} b WHERE b.id = t.id)",
            [],
        )
    committed_sql("DELETE FROM layers_networkchange WHERE id > %s", [last_change_id])
    # Whatever was derived from the edited network meanwhile (tiles, verdicts) is out of date.
    committed_sql(
        "UPDATE layers_layerversion SET version = version + 1, changed_at = now() "
        "WHERE key = ANY(%s)",
        [["pipes", "pipe-nodes", "leaks"]],
    )
    cache.clear()  # the live server runs in this process: its cached data versions go too


@contextmanager
def network_restored():
    """Run a block that writes through the live server; afterwards the network is as before."""
    last_change = NetworkChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for table in NETWORK_TABLES:
        committed_sql(f"DROP TABLE IF EXISTS {BACKUP_PREFIX}{table}", [])
        committed_sql(f"CREATE TABLE {BACKUP_PREFIX}{table} AS SELECT * FROM {table}", [])  # noqa: S608
    before = _fingerprint()
    try:
        yield
    finally:
        try:
            _restore(last_change)
        finally:
            for table in NETWORK_TABLES:
                committed_sql(f"DROP TABLE IF EXISTS {BACKUP_PREFIX}{table}", [])
    assert _fingerprint() == before, "the network was not restored"


# --- picking features near the map centre ----------------------------------------------------
def centre() -> tuple[float, float]:
    """The map centre of these tests: the first water plant (the county seat's)."""
    plant = PipeNode.objects.filter(kind="plant").order_by("code").first()
    return plant.geom.x, plant.geom.y


def moved(lonlat, bearing_deg: float, metres: float) -> tuple[float, float]:
    lon, lat, _az = GEOD.fwd(lonlat[0], lonlat[1], bearing_deg, metres)
    return lon, lat


def _wkt_line(*points) -> str:
    return "LINESTRING(" + ", ".join(f"{x!r} {y!r}" for x, y in points) + ")"


def node_to_draw_to() -> tuple[PipeNode, tuple[float, float]]:
    """A node near the centre and a start point 18 m away from which a straight pipe to the
    node passes no other node (within 3 m) and no pipe (within 3 m) before its last 6 m."""
    x, y = centre()
    candidates = PipeNode.objects.raw(
        "SELECT id FROM layers_pipenode WHERE kind IN ('valve', 'hydrant', 'meter', 'junction') "
        "ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT 60",
        [x, y],
    )
    # The bounding-box test (&&, ~50 m) uses the spatial index; the distance is on the ellipsoid.
    sql = (
        "WITH g AS (SELECT ST_GeomFromText(%(approach)s, 4326) AS approach, "
        " ST_GeomFromText(%(line)s, 4326) AS line) "
        "SELECT (SELECT count(*) FROM layers_pipesegment p, g "
        "  WHERE p.geom && ST_Expand(g.line, 0.0005) "
        "  AND ST_DWithin(p.geom::geography, g.approach::geography, 3)), "
        " (SELECT count(*) FROM layers_pipenode n, g WHERE n.id <> %(node)s "
        "  AND n.geom && ST_Expand(g.line, 0.0005) "
        "  AND ST_DWithin(n.geom::geography, g.line::geography, 3)) FROM g"
    )
    with connection.cursor() as cur:
        for node in candidates:
            at = (node.geom.x, node.geom.y)
            for bearing in range(0, 360, 30):
                start = moved(at, bearing, 18)
                params = {
                    "approach": _wkt_line(start, moved(at, bearing, 6)),
                    "line": _wkt_line(start, at),
                    "node": node.id,
                }
                cur.execute(sql, params)
                if cur.fetchone() == (0, 0):
                    return node, start
    raise AssertionError("no free place to draw a pipe near the centre")


def quiet_pipes(count: int) -> list[PipeSegment]:
    """In-service straight pipes near the centre, 40–200 m long, with no other pipe or node
    within 10 m of their middle or of the point at 30 % of their length (clean clicks)."""
    x, y = centre()
    return list(
        PipeSegment.objects.raw(
            "SELECT p.* FROM (SELECT * FROM layers_pipesegment "
            "  WHERE status = 'in_service' AND length_m BETWEEN 40 AND 200 "
            "  AND ST_NPoints(geom) = 2 "
            "  ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT 200) p "
            "WHERE NOT EXISTS (SELECT 1 FROM layers_pipesegment q, unnest(ARRAY[0.3, 0.5]) f "
            "  WHERE q.id <> p.id AND q.geom && ST_Expand(p.geom, 0.0005) "
            "  AND ST_DWithin(q.geom::geography, "
            "  ST_LineInterpolatePoint(p.geom, f)::geography, 10)) "
            "AND NOT EXISTS (SELECT 1 FROM layers_pipenode n, unnest(ARRAY[0.3, 0.5]) f "
            "  WHERE n.geom && ST_Expand(p.geom, 0.0005) "
            "  AND ST_DWithin(n.geom::geography, "
            "  ST_LineInterpolatePoint(p.geom, f)::geography, 10)) "
            "ORDER BY p.geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT %s",
            [x, y, x, y, count],
        )
    )


def along(pipe: PipeSegment, fraction: float) -> tuple[float, float]:
    point = shapely.from_wkb(bytes(pipe.geom.wkb)).interpolate(fraction, normalized=True)
    return point.x, point.y


# --- driving the page --------------------------------------------------------------------------
def open_editor(page, site, lonlat, zoom: int):
    login(page, site.url, "engineer", DEMO_ACCOUNTS["engineer"][1])
    page.goto(f"{site.url}{EDITOR}")
    page.wait_for_selector("body[data-editor-ready='1']", state="attached", timeout=30000)
    page.evaluate(SET_VIEW, [lonlat[0], lonlat[1], zoom])
    settle(page)


def settle(page):
    """Wait until the editor has nothing to load or write and no request is in flight."""
    page.wait_for_timeout(50)
    page.wait_for_function(IDLE, timeout=20000)
    drain(page)


def pixel(page, lonlat) -> tuple[float, float]:
    return tuple(page.evaluate(TO_PIXEL, [lonlat[0], lonlat[1]]))


def label(page, key: str) -> str:
    """A label as the page shows it: from the page's own configuration (json_script)."""
    return page.evaluate(
        "(k) => JSON.parse(document.getElementById('editor-config').textContent).labels[k]", key
    )


def select_pipe(page, pipe: PipeSegment):
    page.mouse.click(*pixel(page, along(pipe, 0.5)))
    page.wait_for_selector("#selection:not([hidden])")
    assert pipe.code in page.inner_text("#selection-title")
    settle(page)


def message(page, kind: str, containing: str = "") -> str:
    """The message box's text once it shows a message of this kind (containing a text)."""
    box = page.locator(f"#editor-message[data-kind='{kind}']", has_text=containing)
    box.wait_for()
    return box.inner_text()


def other_diameter(dn: int) -> int:
    return 150 if dn != 150 else 200


def assert_clean_but(page, *statuses: int):
    """No console error but the browser's own line for each expected refusal (a 409, a 400, a
    403 answered on purpose), then nothing else and no request off the test server."""
    errors = page.watch.errors
    for status in statuses:
        line = next((e for e in errors if f"status of {status}" in e), None)
        assert line is not None, f"expected the {status} in the console: {errors}"
        errors.remove(line)
    page.watch.assert_clean()


def shot(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"editor-{name}.png"))


class EngineerEditorTests:
    def test_drawn_end_snaps_onto_a_node_within_the_tolerance(self, page, site, settings):
        node, start = node_to_draw_to()
        at = (node.geom.x, node.geom.y)
        nodes_before = PipeNode.objects.count()
        with network_restored():
            open_editor(page, site, at, 20)
            # Geoman's snapDistance is the server's tolerance in pixels at this zoom and latitude.
            mpp = 156543.03392 * math.cos(math.radians(at[1])) / 2**20
            snap_px = float(page.get_attribute("body", "data-snap-px"))
            assert snap_px == pytest.approx(settings.NETWORK_SNAP_TOLERANCE_M / mpp, abs=0.01)

            page.click("#tool-draw")
            page.mouse.click(*pixel(page, start))
            nx, ny = pixel(page, at)
            hint = "() => window.__lianzhouTest.editor.state.map.pm.Draw.Line._hintMarker._snapped"
            page.mouse.move(nx + 2.5 * snap_px, ny)  # 2.5 × the tolerance away: no snap
            assert page.evaluate(hint) is False
            page.mouse.move(nx + 0.4 * snap_px, ny - 0.3 * snap_px)  # half the tolerance
            assert page.evaluate(hint) is True
            page.mouse.click(nx + 0.4 * snap_px, ny - 0.3 * snap_px)
            page.mouse.click(nx + 0.4 * snap_px, ny - 0.3 * snap_px)  # the last vertex: finish
            page.wait_for_selector("#attr-form:not([hidden])")
            drawn = page.evaluate("window.__lianzhouTest.editor.state.pending.geometry.coordinates")
            # The browser already put the end on the node (as loaded: 7 decimals).
            assert drawn[-1] == pytest.approx(list(at), abs=1e-7)
            shot(page, "draw")

            page.select_option("#attr-diameter_mm", "110")
            page.click("#attr-save")
            assert "E" in message(page, "success")
            settle(page)
            pipe_id = page.evaluate("window.__lianzhouTest.editor.state.selected")
            pipe = PipeSegment.objects.get(pk=pipe_id)
            assert pipe.end_node_id == node.id and pipe.diameter_mm == 110
            # One new node: the junction at the free start; none for the snapped end.
            assert PipeNode.objects.count() == nodes_before + 1
            assert PipeSegment.objects.filter(start_node_id=pipe.start_node_id).count() == 1
            shown = page.evaluate(
                "(id) => window.__lianzhouTest.editor.feature(id).geometry.coordinates", pipe_id
            )
            assert shown[-1] == pytest.approx(list(at), abs=1e-6)  # the server's answer
            shot(page, "drawn")
            settle(page)
            page.watch.assert_clean()

    def test_split_at_a_clicked_point(self, page, site):
        pipe = quiet_pipes(1)[0]
        count = PipeSegment.objects.count()
        with network_restored():
            open_editor(page, site, along(pipe, 0.5), 19)
            select_pipe(page, pipe)
            page.click("#pipe-actions [data-action=split]")
            page.mouse.click(*pixel(page, along(pipe, 0.3)))
            text = message(page, "success")
            settle(page)
            answer = page.evaluate("window.__lianzhouTest.editor.state.lastAnswer")
            ids = [f["id"] for f in answer["features"] if f["geometry"]["type"] == "LineString"]
            assert len(ids) == 2 and ids[0] == pipe.id
            first, second = (PipeSegment.objects.get(pk=i) for i in ids)
            assert first.code in text and second.code in text
            assert PipeSegment.objects.count() == count + 1
            assert first.end_node_id == second.start_node_id
            assert first.length_m + second.length_m == pytest.approx(pipe.length_m, abs=0.05)
            assert first.length_m == pytest.approx(0.3 * pipe.length_m, abs=1.0)
            assert page.evaluate(
                "(ids) => ids.every(id => !!window.__lianzhouTest.editor.feature(id))", ids
            )
            shot(page, "split")
            settle(page)
            page.watch.assert_clean()

    def test_conflict_with_a_change_made_meanwhile(self, page, site):
        pipe = quiet_pipes(2)[1]
        with network_restored():
            open_editor(page, site, along(pipe, 0.5), 18)
            select_pipe(page, pipe)
            # The engineer bends the pipe: the middle handle becomes a new vertex.
            page.click("#pipe-actions [data-action=vertices]")
            handle = page.locator(".marker-icon-middle").first.bounding_box()
            x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.move(x + 24, y + 18, steps=6)
            page.mouse.up()
            # Meanwhile a colleague saves the same pipe.
            committed_sql(
                "UPDATE layers_pipesegment SET version = version + 1 WHERE id = %s", [pipe.id]
            )
            page.click("#mode-save")
            page.wait_for_selector("#conflict:not([hidden])")
            message(page, "conflict", label(page, "conflict"))
            versions = page.inner_text("#conflict-versions")
            assert str(pipe.version + 1) in versions and str(pipe.version) in versions
            # Both geometries are drawn, in two colours: what is stored now, and this edit.
            drawn = page.evaluate(
                """() => { const out = [];
                  window.__lianzhouTest.editor.state.marks.eachLayer(g => g.eachLayer(l => out.push(
                    {color: l.options.color, n: l.getLatLngs().length})));
                  return out; }"""
            )
            colors = page.evaluate("window.__lianzhouTest.editor.COLORS")
            assert sorted((d["color"], d["n"]) for d in drawn) == sorted(
                [(colors["current"], 2), (colors["yours"], 3)]
            )
            shot(page, "conflict")
            stored = PipeSegment.objects.get(pk=pipe.id)
            assert stored.geom.num_points == 2  # nothing was written

            # Apply the edit to the version stored now: accepted, and shown as stored.
            page.click("#conflict-redo")
            message(page, "success", label(page, "saved"))
            page.wait_for_selector("#conflict", state="hidden")
            settle(page)
            stored = PipeSegment.objects.get(pk=pipe.id)
            assert stored.geom.num_points == 3 and stored.version == pipe.version + 2
            shown = page.evaluate(
                "(id) => window.__lianzhouTest.editor.feature(id).properties.version", pipe.id
            )
            assert shown == pipe.version + 2
            assert_clean_but(page, 409)

    def test_revert_a_change_from_the_history(self, page, site):
        pipe = quiet_pipes(3)[2]
        new_dn = other_diameter(pipe.diameter_mm)
        with network_restored():
            login(page, site.url, "engineer", DEMO_ACCOUNTS["engineer"][1])
            page.goto(f"{site.url}{EDITOR}")
            page.wait_for_selector("body[data-editor-ready='1']", state="attached", timeout=30000)
            # Found by its code from the county view: the map goes there and selects it.
            page.fill("#find-q", pipe.code)
            page.click(f"#find-results li[data-layer=pipes][data-id='{pipe.id}']")
            page.wait_for_selector("#selection:not([hidden])")
            assert pipe.code in page.inner_text("#selection-title")
            settle(page)
            page.click("#pipe-actions [data-action=attributes]")
            page.select_option("#attr-diameter_mm", str(new_dn))
            page.click("#attr-save")
            message(page, "success", label(page, "saved"))
            settle(page)
            assert PipeSegment.objects.get(pk=pipe.id).diameter_mm == new_dn
            latest = page.locator("#history-list li").first
            assert latest.get_attribute("data-operation") == "pipe_update"
            change_id = int(latest.get_attribute("data-change"))

            latest.locator("button.revert").click()
            message(page, "success", label(page, "reverted"))
            settle(page)
            top = page.locator("#history-list li").first
            assert top.get_attribute("data-operation") == "revert"
            assert f"#{change_id}" in top.inner_text()
            revert = NetworkChange.objects.filter(pipe_ids__contains=[pipe.id]).latest("id")
            assert revert.operation == "revert" and revert.reverts_id == change_id
            assert PipeSegment.objects.get(pk=pipe.id).diameter_mm == pipe.diameter_mm
            shot(page, "history")
            settle(page)
            page.watch.assert_clean()

    def test_a_write_carries_the_csrf_token_of_the_page(self, page, site):
        """The CSRF cookie is HttpOnly: the shared API client (api.js) sends the token the page
        holds (<meta name="csrf-token">), and the server accepts the write."""
        pipe = quiet_pipes(1)[0]
        new_dn = other_diameter(pipe.diameter_mm)
        with network_restored():
            open_editor(page, site, along(pipe, 0.5), 19)
            cookie = next(c for c in page.context.cookies() if c["name"] == "csrftoken")
            assert cookie["httpOnly"] and "csrftoken" not in page.evaluate("document.cookie")
            token = page.get_attribute('meta[name="csrf-token"]', "content")
            assert token
            sent = []
            page.on(
                "request",
                lambda r: r.method == "PATCH" and sent.append(r.headers.get("x-csrftoken")),
            )
            select_pipe(page, pipe)
            page.click("#pipe-actions [data-action=attributes]")
            page.select_option("#attr-diameter_mm", str(new_dn))
            page.click("#attr-save")
            message(page, "success", label(page, "saved"))
            settle(page)
            assert sent == [token]
            assert PipeSegment.objects.get(pk=pipe.id).diameter_mm == new_dn
            page.watch.assert_clean()

    def test_retire_restore_leak_split_merge_and_nodes(self, page, site):
        pipe = quiet_pipes(5)[4]
        pipes, nodes = PipeSegment.objects.count(), PipeNode.objects.count()
        with network_restored():
            open_editor(page, site, along(pipe, 0.5), 19)
            select_pipe(page, pipe)

            page.click("#pipe-actions [data-action=retire]")
            message(page, "success", pipe.code)
            settle(page)
            assert PipeSegment.objects.get(pk=pipe.id).status == "abandoned"
            assert page.is_visible("#pipe-actions [data-action=restore]")
            page.click("#pipe-actions [data-action=restore]")
            message(page, "success", pipe.code)
            settle(page)
            assert PipeSegment.objects.get(pk=pipe.id).status == "in_service"

            page.click("#pipe-actions [data-action=leak]")
            page.mouse.click(*pixel(page, along(pipe, 0.7)))
            # Markup is refused by the text rule (tests/hostile/test_markup.py); "<" in
            # ordinary text is kept as typed.
            page.fill("#leak-form input[name=cause]", "爆管 DN<300")
            page.click("#leak-save")
            message(page, "success", pipe.code)
            settle(page)
            leak = LeakRecord.objects.filter(pipe_id=pipe.id).latest("id")
            assert leak.cause == "爆管 DN<300" and page.locator("path.leak-marker").count() == 1

            page.click("#pipe-actions [data-action=split]")
            page.mouse.click(*pixel(page, along(pipe, 0.5)))
            message(page, "success", pipe.code)
            settle(page)
            second = PipeSegment.objects.get(
                start_node_id=PipeSegment.objects.get(pk=pipe.id).end_node_id
            )
            page.click("#pipe-actions [data-action=merge]")
            page.mouse.click(*pixel(page, along(second, 0.5)))
            message(page, "success", pipe.code)
            settle(page)
            assert not PipeSegment.objects.filter(pk=second.id).exists()
            assert PipeSegment.objects.count() == pipes
            merged = PipeSegment.objects.get(pk=pipe.id)
            assert merged.length_m == pytest.approx(pipe.length_m, abs=0.05)
            assert LeakRecord.objects.get(pk=leak.id).pipe_id == pipe.id

            # A valve placed on the pipe (Geoman snaps it onto the line) splits it there.
            page.evaluate(SET_VIEW, [*along(pipe, 0.3), 20])
            settle(page)
            page.select_option("#node-kind", "valve")
            page.click("#tool-node")
            x, y = pixel(page, along(pipe, 0.3))
            page.mouse.move(x + 1, y + 1)
            page.mouse.click(x + 1, y + 1)
            message(page, "success")
            settle(page)
            valve = PipeNode.objects.get(
                pk=page.evaluate("window.__lianzhouTest.editor.state.lastAnswer.id")
            )
            assert valve.kind == "valve"
            assert PipeSegment.objects.filter(end_node_id=valve.id).count() == 1
            assert PipeSegment.objects.filter(start_node_id=valve.id).count() == 1

            # A meter away from every pipe stands alone; it can be moved, then deleted.
            page.select_option("#node-kind", "meter")
            page.click("#tool-node")
            page.mouse.click(x + 150, y - 120)
            message(page, "success")
            settle(page)
            meter_id = page.evaluate("window.__lianzhouTest.editor.state.lastAnswer.id")
            assert PipeNode.objects.get(pk=meter_id).kind == "meter"
            page.mouse.click(x + 150, y - 120)
            page.wait_for_selector("#node-selection:not([hidden])")
            settle(page)
            page.click("[data-node-action=delete]")
            message(page, "success", label(page, "node_deleted"))
            settle(page)
            assert not PipeNode.objects.filter(pk=meter_id).exists()
            assert PipeNode.objects.count() == nodes + 1  # the valve
            shot(page, "nodes")
            page.watch.assert_clean()

    def test_refusal_shows_the_reason_and_the_place(self, page, site):
        pipe = quiet_pipes(4)[3]
        count = PipeSegment.objects.count()
        start, end = pipe.start_node.geom, pipe.end_node.geom
        with network_restored():
            open_editor(page, site, along(pipe, 0.5), 18)
            page.click("#tool-draw")  # a duplicate of the pipe: node to node along it
            page.mouse.click(*pixel(page, (start.x, start.y)))
            page.mouse.click(*pixel(page, (end.x, end.y)))
            page.mouse.click(*pixel(page, (end.x, end.y)))
            page.wait_for_selector("#attr-form:not([hidden])")
            page.click("#attr-save")
            text = message(page, "error")
            assert label(page, "refused") in text and label(page, "at") in text
            assert page.locator("path.refusal-marker").count() == 1
            assert page.is_visible("#attr-form")  # the engineer may change it or cancel
            assert PipeSegment.objects.count() == count
            shot(page, "refusal")
            page.click("#attr-cancel")
            assert page.evaluate("window.__lianzhouTest.editor.state.pending") is None
            settle(page)
            assert_clean_but(page, 400)

    def test_network_check_lists_and_shows_the_problems(self, page, site):
        problem = next(p for p in network_problems() if p.problem == "dangling_end")
        login(page, site.url, "engineer", DEMO_ACCOUNTS["engineer"][1])
        page.goto(f"{site.url}{EDITOR}")
        page.wait_for_selector("body[data-editor-ready='1']", state="attached", timeout=30000)
        # The whole county: the network from the tiles only, and a request to zoom in.
        settle(page)
        assert page.inner_text("#zoom-hint") == label(page, "zoom_in")
        loaded = "Object.keys(window.__lianzhouTest.editor.state.pipeLayers).length"
        assert page.evaluate(loaded) == 0
        shot(page, "county")
        page.evaluate(SET_VIEW, [problem.location[0], problem.location[1], 17])
        settle(page)
        assert not page.is_visible("#zoom-hint")
        page.click("#tool-check")
        page.wait_for_selector("#problem-list li")
        entries = page.locator("#problem-list li[data-problem='dangling_end']")
        assert entries.count() >= 1
        listed = page.locator("#problem-list li").count()
        assert page.locator("path.problem-marker").count() == listed
        entries.first.click()
        popup = page.wait_for_selector(".leaflet-popup-content .popup")
        assert popup.inner_text().strip()
        shot(page, "check")
        settle(page)
        page.watch.assert_clean()


class OfficialEditorTests:
    def test_no_editor_and_forged_writes_are_refused(self, page, site):
        count = PipeSegment.objects.count()
        login(page, site.url, "official", DEMO_ACCOUNTS["official"][1])
        response = page.goto(f"{site.url}{EDITOR}")
        assert response.status == 403
        assert page.locator("#tool-draw").count() == 0
        shot(page, "official-403")
        page.goto(f"{site.url}/map/")
        page.wait_for_selector("body[data-map-ready='1']", state="attached", timeout=30000)
        token = page.input_value("input[name=csrfmiddlewaretoken] >> nth=0")
        x, y = centre()
        answer = page.evaluate(
            """async ([token, x, y]) => {
              const feature = {type: "Feature", properties: {diameter_mm: 100, material: "PE"},
                geometry: {type: "LineString", coordinates: [[x, y], [x + 0.0003, y]]}};
              const r = await fetch("/api/v1/layers/pipes/features/", {method: "POST",
                credentials: "same-origin", body: JSON.stringify(feature),
                headers: {"Content-Type": "application/json", "X-CSRFToken": token}});
              return [r.status, await r.json()];
            }""",
            [token, x, y],
        )
        assert answer[0] == 403 and answer[1]["error"]["code"] == "permission_denied"
        assert PipeSegment.objects.count() == count
        drain(page)
        assert_clean_but(page, 403, 403)
