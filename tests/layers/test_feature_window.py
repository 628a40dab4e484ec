"""The county window of a feature page (layers/selectors_window.py, issue 19): a one-county
member's page read by walking their county's rows in id order — or the page of a reader of
more counties whose box holds one county's rows only (layers/feature_reach.py) — gives byte for
byte the page of the ordinary statement, and falls back to it when the window cannot answer."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers import selectors_features, selectors_lean, selectors_window
from layers.extensions import FeatureQuery
from layers.models import AdminArea
from layers.registry import layer_spec
from layers.scope import EVERYWHERE, AreaScope, scope_bound
from layers.selectors_features import feature_page
from network.models import PipeSegment

pytestmark = pytest.mark.django_db

# Two hand-made counties far from Lianzhou, side by side: west 101.0–101.1°E, east
# 101.1–101.2°E, both 30.0–30.1°N; north of them lies no county (a feature within 0.02° of a
# county belongs to it: layers/county_triggers.py).
WEST_BOX = (101.0, 30.0, 101.1, 30.1)
EAST_BOX = (101.1, 30.0, 101.2, 30.1)
# Every pipe of the fixture, `orphan`'s strip included (to 30.14°N).
DENSE = (101.0, 30.0, 101.2, 30.14)
TINY = (101.0795, 30.0445, 101.0815, 30.0455)  # `w1` alone
BORDER = (101.09, 30.0, 101.11, 30.14)  # w8, e1 (at the border) and the orphan
EMPTY = (101.05, 30.095, 101.06, 30.099)  # in the west county, no pipe
# Only west pipes' reach (their 0.05° cells' boxes: x 101.08-101.099) meets it.
WEST_INNER = (101.07, 30.04, 101.09, 30.09)
# Both counties' pipes, not the orphan's (at 30.13°N).
BOTH_NO_ORPHAN = (101.0, 30.0, 101.2, 30.1)
# A county of no pipe, in a reader's scope beside the hand-made ones.
NO_ROWS = 999_999_999


def pipe(code: str, x: float, y: float) -> PipeSegment:
    """A planned pipe (no nodes needed) 0.001° long eastwards from (x, y)."""
    return PipeSegment.objects.create(
        code=code,
        geom=LineString([(x, y), (x + 0.001, y)], srid=4326),
        diameter_mm=100,
        material="PE",
        status="planned",
        length_m=100.0,
    )


@pytest.fixture
def counties():
    """West and east pipes created alternately, so their ids interleave (w1 < e1 < w2 < …):
    w1…w8 at x = 101.08 (w8 at 101.098), e1…e8 at x = 101.101…; y = 30.04 + 0.005 i. Then
    `far_west` (west, at 101.01°E, 30.02°N: in DENSE but far from the others) and `orphan`, at
    30.13°N, 0.03° from every county: its county is NULL (set by the database from its location)
    and every reader sees it."""
    west = AdminArea.objects.create(
        code="449921",
        name="测试西县",
        level="county",
        geom=MultiPolygon(Polygon.from_bbox(WEST_BOX), srid=4326),
    )
    east = AdminArea.objects.create(
        code="449922",
        name="测试东县",
        level="county",
        geom=MultiPolygon(Polygon.from_bbox(EAST_BOX), srid=4326),
    )
    made = {}
    for i in range(1, 9):
        y = 30.04 + 0.005 * i
        made[f"w{i}"] = pipe(f"T-W{i}", 101.098 if i == 8 else 101.08, y)
        made[f"e{i}"] = pipe(f"T-E{i}", 101.101 if i == 1 else 101.12, y)
        if i == 4:
            made["orphan"] = pipe("T-O", 101.1, 30.13)
    made["far_west"] = pipe("T-WF", 101.01, 30.02)
    county = dict(PipeSegment.objects.values_list("code", "county_id"))
    assert county["T-O"] is None
    assert {county[f"T-W{i}"] for i in range(1, 9)} == {west.id}
    assert {county[f"T-E{i}"] for i in range(1, 9)} == {east.id}
    return west, east, made


def page_of(
    county: AreaScope, fixed: int | None, bbox, size: int, after=None, offset=0, query=None
):
    """The lean page of pipes under `county`'s scope with the window length `fixed` (0: the
    ordinary statement alone; None: the gate's); statements compiled afresh."""
    selectors_window.FIXED_WINDOW = fixed
    selectors_lean.LEAN_STATEMENTS.clear()
    try:
        with scope_bound(lambda: county):
            return feature_page(
                layer_spec("pipes"),
                bbox_4326=bbox,
                page_size=size,
                after_id=after,
                offset=offset,
                query=query,
            )
    finally:
        selectors_window.FIXED_WINDOW = None
        selectors_lean.LEAN_STATEMENTS.clear()


def same_page(a, b) -> bool:
    """Byte for byte the same page: features, count, next, cursor, verdicts."""
    fields = ("features_json", "returned", "has_next", "last_id", "count", "verdicts")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def ids(page) -> list[int]:
    return [f["id"] for f in json.loads(page.features_json)]


def every_page(county: AreaScope, fixed, bbox, size: int) -> list:
    pages, after = [], None
    while True:
        page = page_of(county, fixed, bbox, size, after)
        pages.append(page)
        if not page.has_next:
            return pages
        after = page.last_id


class WindowEqualsOrdinaryTests:
    @pytest.mark.parametrize("bbox", [DENSE, TINY, BORDER, EMPTY, None])
    @pytest.mark.parametrize("size", [1, 2, 3, 5, 50])
    @pytest.mark.parametrize("fixed", [1, 2, 3, 4, 7, 100, None])
    def test_every_page_is_the_ordinary_page(self, counties, bbox, size, fixed):
        """Following the cursors from the first page to the last, each page — features,
        order, next, cursor, count — is the ordinary statement's, whatever the window's
        length in rows (it ends before, at or after the page) and whether it served, fell back
        or was not walked (the orphan ahead)."""
        west, _, _ = counties
        scope = AreaScope(frozenset({west.id}))
        ordinary = every_page(scope, 0, bbox, size)
        assert {p.served_by for p in ordinary} == {"ordinary" if bbox else None}
        windowed = every_page(scope, fixed, bbox, size)
        assert len(windowed) == len(ordinary)
        assert all(same_page(w, o) for w, o in zip(windowed, ordinary, strict=True))

    def test_an_orphan_after_the_cursor_turns_the_window_off(self, counties):
        """The orphan (between w4 and w5 by id) is on the west member's page; while it lies
        after the cursor the ordinary statement serves, after it the window does."""
        west, _, made = counties
        scope = AreaScope(frozenset({west.id}))
        page = page_of(scope, 100, DENSE, 50)
        expected = sorted([made[f"w{i}"].id for i in range(1, 9)] + [made["orphan"].id])
        expected.append(made["far_west"].id)  # created last
        assert (page.served_by, ids(page), page.count) == ("ordinary", expected, 10)
        later = page_of(scope, 100, DENSE, 50, after=made["orphan"].id)
        assert (later.served_by, ids(later)) == ("window", expected[5:])

    def test_a_short_window_falls_back(self, counties):
        """After the orphan, BORDER holds w8 only among the west rows: a window of 2 west rows (w5
        and the next) finds none of the page of 1 and its next row: the ordinary statement
        serves."""
        west, _, made = counties
        page = page_of(AreaScope(frozenset({west.id})), 2, BORDER, 1, after=made["orphan"].id)
        assert (page.served_by, ids(page), page.has_next) == ("fallback", [made["w8"].id], False)

    def test_the_county_running_out_answers_the_last_page(self, counties):
        """After w8 only far_west is left in the west county: a window of 5 rows reaches past
        the county's last id, so its (empty) page is the whole answer."""
        west, _, made = counties
        page = page_of(AreaScope(frozenset({west.id})), 5, BORDER, 3, after=made["w8"].id)
        assert (page.served_by, ids(page), page.has_next) == ("window", [], False)

    @pytest.mark.parametrize("status", ["no_data", "non_compliant"])
    def test_a_status_filter_keeps_the_same_page(self, counties, status):
        """?status= (pipes carry no verdict of their own: every pipe is no_data) filters the
        window's rows as the ordinary statement's; a window of 100 rows holds the whole
        rest of the west county (it serves), one of 2 rows holds w5 and w6 alone (it falls back)."""
        west, _, made = counties
        scope = AreaScope(frozenset({west.id}))
        query = FeatureQuery(year=2024, status=status)
        for fixed in (100, 2):
            windowed = page_of(scope, fixed, DENSE, 3, made["orphan"].id, query=query)
            ordinary = page_of(scope, 0, DENSE, 3, made["orphan"].id, query=query)
            assert same_page(windowed, ordinary)
            assert windowed.served_by == ("window" if fixed == 100 else "fallback")
            assert windowed.returned == (3 if status == "no_data" else 0)

    def test_offset_and_unboxed_pages_take_no_window(self, counties):
        west, _, _ = counties
        assert page_of(EVERYWHERE, None, DENSE, 3, offset=3).served_by is None
        assert page_of(EVERYWHERE, None, None, 3).served_by is None
        assert page_of(AreaScope(frozenset({west.id})), 100, DENSE, 3, offset=3).served_by is None
        assert page_of(AreaScope(frozenset({west.id})), 100, None, 3).served_by is None

    def test_the_statements_of_each_path(self, counties):
        """After the verdicts' year: the gate, then the window's page (and the ordinary page
        when it fell back), or the ordinary page."""
        west, _, made = counties
        scope = AreaScope(frozenset({west.id}))
        after = made["orphan"].id  # no orphan after it: the window may serve
        for fixed, served, statements in (
            (100, "window", 3),
            (1, "fallback", 4),
            (0, "ordinary", 3),
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert page_of(scope, fixed, DENSE, 3, after=after).served_by == served
            assert len(ctx.captured_queries) == statements
            assert "layers_rows_in_box" in ctx.captured_queries[1]["sql"]


class GateTests:
    """The window's length from the estimate of the rows in the box (`layers_rows_in_box`,
    from the table's statistics; replaced here by a constant, in the test's transaction) and
    the ids left in the county: a box holding most of the county's rows walks a short window;
    a tiny box in a large county walks none. The pages start after the orphan."""

    @pytest.fixture
    def many(self, counties):
        """300 more west pipes in a 0.03° square (101.02–101.05°E, 30.05–30.08°N): about 305
        west ids after the orphan, in a span of about 310."""
        west, _, made = counties
        for i in range(300):
            pipe(f"T-WM{i}", 101.02 + 0.0015 * (i % 20), 30.05 + 0.002 * (i // 20))
        return AreaScope(frozenset({west.id})), made["orphan"].id

    @staticmethod
    def estimate(rows: str) -> None:
        with connection.cursor() as cur:
            cur.execute(
                "CREATE OR REPLACE FUNCTION layers_rows_in_box(tbl regclass, "
                "box geometry) RETURNS double precision LANGUAGE sql "
                f"AS $$ SELECT {rows}::double precision $$"
            )

    def test_a_box_of_most_of_the_county_is_served_by_the_window(self, many):
        """310 rows estimated in the box: the page of 10 (and its next row) is expected
        within 11 · 310 / 310 = 11 rows of the walk; the window is twice that."""
        self.estimate("310")
        scope, after = many
        page = page_of(scope, None, WEST_BOX, 10, after)
        assert page.served_by == "window"
        assert same_page(page, page_of(scope, 0, WEST_BOX, 10, after))

    def test_a_tiny_box_does_not_walk(self, many):
        """One row estimated: the walk would expect 11 · 310 rows, more than the box's one
        row: no window, the ordinary statement alone."""
        self.estimate("1")
        scope, after = many
        page = page_of(scope, None, (101.0201, 30.0499, 101.0203, 30.0501), 10, after)
        assert (page.served_by, page.returned) == ("ordinary", 1)

    def test_no_statistics_no_window_unless_the_county_is_short(self, many):
        """No estimate (a table never analysed): no window for a page of 10; but a page of
        400 holds every row left in the county (its span, about 310), so the whole county is
        walked once."""
        self.estimate("NULL")
        scope, after = many
        assert page_of(scope, None, WEST_BOX, 10, after).served_by == "ordinary"
        page = page_of(scope, None, WEST_BOX, 400, after)
        assert page.served_by == "window"
        assert same_page(page, page_of(scope, 0, WEST_BOX, 400, after))

    def test_the_estimate_reads_the_statistics(self, many):
        """After ANALYZE, PostGIS's estimate for the box of the whole table's extent is about
        the table's rows."""
        with connection.cursor() as cur:
            cur.execute("ANALYZE layers_pipesegment")
            cur.execute(
                "SELECT layers_rows_in_box('layers_pipesegment', "
                "ST_MakeEnvelope(-180, -90, 180, 90, 4326)), count(*) FROM layers_pipesegment"
            )
            estimate, rows = cur.fetchone()
        assert 0.8 * rows <= estimate <= 1.2 * rows


def long_east_pipe() -> PipeSegment:
    """A planned pipe from 101.085°E to 101.135°E at 30.07°N: its midpoint (101.11°E) is in the
    east county, and it crosses WEST_INNER."""
    return PipeSegment.objects.create(
        code="T-EL",
        geom=LineString([(101.085, 30.07), (101.135, 30.07)], srid=4326),
        diameter_mm=100,
        material="PE",
        status="planned",
        length_m=4800.0,
    )


class ReachTests:
    """A reader of several or every county: their page walks the one county the box can hold
    rows of, when the reach (layers/feature_reach.py) of no other county in their scope, nor
    of an orphan, meets the box."""

    @pytest.mark.parametrize(
        "bbox", [DENSE, TINY, BORDER, EMPTY, WEST_INNER, EAST_BOX, BOTH_NO_ORPHAN]
    )
    @pytest.mark.parametrize("size", [1, 3])
    @pytest.mark.parametrize("fixed", [1, 100, None])
    @pytest.mark.parametrize("readers", ["everywhere", "both", "east"])
    def test_every_page_is_the_ordinary_page(self, counties, bbox, size, fixed, readers):
        """Every page from the first to the last is the ordinary statement's, for a reader of
        every county, of both hand-made ones, and of east and a county of no row."""
        west, east, _ = counties
        scope = {
            "everywhere": EVERYWHERE,
            "both": AreaScope(frozenset({west.id, east.id})),
            "east": AreaScope(frozenset({east.id, NO_ROWS})),
        }[readers]
        ordinary = every_page(scope, 0, bbox, size)
        windowed = every_page(scope, fixed, bbox, size)
        assert len(windowed) == len(ordinary)
        assert all(same_page(w, o) for w, o in zip(windowed, ordinary, strict=True))

    @pytest.mark.parametrize(
        ("readers", "bbox", "served"),
        [
            ("everywhere", WEST_INNER, "window"),  # west's cells alone
            ("everywhere", EAST_BOX, "window"),  # x 101.1-101.2, 30.0-30.1: east's alone
            ("everywhere", BOTH_NO_ORPHAN, "ordinary"),  # west's and east's cells
            ("everywhere", BORDER, "ordinary"),  # both, and the orphan's
            ("everywhere", (101.095, 30.125, 101.105, 30.135), "ordinary"),  # the orphan's
            ("everywhere", (101.3, 30.3, 101.4, 30.4), "ordinary"),  # nobody's
            ("east", BOTH_NO_ORPHAN, "window"),  # west is not theirs
            ("east", DENSE, "ordinary"),  # the orphan is everybody's
            ("both", WEST_INNER, "window"),
        ],
    )
    def test_which_boxes_the_window_serves(self, counties, readers, bbox, served):
        west, east, _ = counties
        scope = {
            "everywhere": EVERYWHERE,
            "both": AreaScope(frozenset({west.id, east.id})),
            "east": AreaScope(frozenset({east.id, NO_ROWS})),
        }[readers]
        page = page_of(scope, 100, bbox, 50)
        assert page.served_by == served
        assert same_page(page, page_of(scope, 0, bbox, 50))

    def test_a_long_pipe_of_another_county_in_the_box_turns_the_window_off(self, counties):
        """A pipe from 101.085°E to 101.135°E at 30.07°N: its midpoint (101.11°E) is in the
        east county, so it is east's, and it crosses WEST_INNER. East's reach grows to cover
        it: the box holds two counties' rows, the ordinary statement serves and the page has
        it."""
        west, east, made = counties
        long = long_east_pipe()
        long.refresh_from_db()
        assert long.county_id == east.id
        page = page_of(EVERYWHERE, 100, WEST_INNER, 50)
        assert page.served_by == "ordinary"
        assert long.id in ids(page)

    def test_the_walk_judges_the_reach_in_its_own_snapshot(self, counties, monkeypatch):
        """The gate chose the west county; the long east pipe arrives before the page's walk
        (as a write committed between the two statements): the walk sees east's reach meet
        the box and the ordinary statement answers, the long pipe on the page."""
        west, east, made = counties
        gate = selectors_window.window_end(
            "layers_pipesegment",
            selectors_window.WindowScope(None, None),
            WEST_INNER,
            None,
            50,
        )
        assert gate == selectors_window.WindowEnd(gate.rows, west.id)
        monkeypatch.setattr(selectors_features, "window_end", lambda *args: gate)
        long = long_east_pipe()
        page = page_of(EVERYWHERE, 100, WEST_INNER, 50)
        assert page.served_by == "fallback"
        assert long.id in ids(page)
        assert same_page(page, page_of(EVERYWHERE, 0, WEST_INNER, 50))
