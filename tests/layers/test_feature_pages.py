"""Feature pages (issue 19): the lean default property set and the full one on request, keyset
paging by cursor (every feature once, whatever is written between pages), bounded input, and
the area scope on every page."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AreaMembership
from layers.models import AdminArea, SewagePlant
from network.models import PipeSegment

pytestmark = pytest.mark.django_db

PLANTS = "/api/v1/layers/sewage-plants/features/"
# A 0.003° box inside Lianzhou (112.449–112.452°E, 24.949–24.952°N) that holds no demo plant;
# the tests put their own plants in it, 0.0003° apart along 24.950°N.
BOX = "112.449,24.949,112.452,24.952"
LEAN_PLANT = {"code", "name", "design_capacity_m3d", "effluent_grade", "built_on", "status"}


def plant(i: int, code: str | None = None) -> SewagePlant:
    return SewagePlant.objects.create(
        code=code or f"T-SP{i:02d}",
        name=f"测试污水厂{i}",
        geom=Point(112.4495 + 0.0003 * i, 24.950, srid=4326),
        design_capacity_m3d=1000.0 + i,
        effluent_grade="1A",
    )


@pytest.fixture
def reader(client, official):
    client.force_login(official)
    return client


@pytest.fixture
def plants():
    """Seven plants in BOX, by id."""
    assert not SewagePlant.objects.filter(geom__intersects=box_polygon()).exists()
    return [plant(i) for i in range(7)]


def box_polygon() -> Polygon:
    minx, miny, maxx, maxy = (float(v) for v in BOX.split(","))
    return Polygon.from_bbox((minx, miny, maxx, maxy))


def ids_of(page: dict) -> list[int]:
    return [f["id"] for f in page["features"]]


def refused_naming(response, name: str) -> bool:
    """A 400 whose details name the parameter (the view's serializer: {name: [...]}; the
    input checks before any view, for a number past bigint: {"field": name, ...})."""
    details = response.json()["error"]["details"]
    return response.status_code == 400 and (name in details or details.get("field") == name)


class PropertySetTests:
    def test_the_default_is_lean_own_attributes_and_the_overall_verdict(self, reader, plants):
        page = reader.get(PLANTS, {"bbox": BOX, "year": 2024}).json()
        assert ids_of(page) == [p.id for p in plants]
        for feature in page["features"]:
            props = feature["properties"]
            assert set(props) == LEAN_PLANT | {"compliance"}
            assert props["compliance"] == {"status": "no_data"}  # no verdict stored for them
        assert page["features"][0]["properties"]["design_capacity_m3d"] == 1000.0
        # the year and freshness of the verdicts, said once for the page
        assert page["compliance"]["year"] == 2024
        assert set(page["compliance"]) == {"year", "fresh", "evaluated_at"}

    def test_all_adds_the_derived_properties_and_the_full_verdicts(self, reader, plants):
        page = reader.get(PLANTS, {"bbox": BOX, "year": 2024, "properties": "all"}).json()
        props = page["features"][0]["properties"]
        assert set(props) >= LEAN_PLANT | {"town_code", "compliance"}
        assert props["compliance"]["year"] == 2024 and props["compliance"]["results"] == []
        assert "compliance" not in page  # each feature says it in full
        detail = reader.get(f"{PLANTS}{plants[0].id}/", {"year": 2024}).json()
        assert props == detail["properties"]

    @pytest.mark.parametrize(
        "asked,expected",
        [
            ("code", {"code"}),  # own columns: the one-pass statement
            ("code,town_code", {"code", "town_code"}),  # a derived one: joined
            (" name , code,name", {"name", "code"}),  # spaces and repeats dropped
            ("code,compliance", {"code", "compliance"}),  # the full verdict object
        ],
    )
    def test_a_list_gives_exactly_those(self, reader, plants, asked, expected):
        page = reader.get(PLANTS, {"bbox": BOX, "properties": asked}).json()
        assert len(page["features"]) == 7
        assert all(set(f["properties"]) == expected for f in page["features"])

    @pytest.mark.parametrize("asked", ["code,nope", ",", "town__code", "id"])
    def test_an_unknown_property_is_400_naming_it(self, reader, asked):
        assert refused_naming(reader.get(PLANTS, {"properties": asked}), "properties")

    @pytest.mark.parametrize("slug", ["supply-zones", "water-users", "sewage-plants"])
    def test_the_lean_status_is_the_full_verdicts_status(self, reader, slug):
        """The lean page reads each feature's status kept by the database
        (compliance_featurestatus); the full page computes it from the verdicts: the same for
        every feature of the demo, and some fail."""
        url = f"/api/v1/layers/{slug}/features/"
        lean = reader.get(url, {"year": 2024, "page_size": 5000}).json()
        full = reader.get(url, {"year": 2024, "page_size": 5000, "properties": "all"}).json()
        lean_status = {f["id"]: f["properties"]["compliance"]["status"] for f in lean["features"]}
        full_status = {f["id"]: f["properties"]["compliance"]["status"] for f in full["features"]}
        assert lean_status == full_status
        assert "non_compliant" in lean_status.values()
        assert (
            lean["compliance"]["fresh"] is full["features"][0]["properties"]["compliance"]["fresh"]
        )

    def test_the_lean_page_is_two_queries_whatever_its_size(self, reader):
        """Pipes (no verdict of their own, year given): the session with the data versions,
        then the page itself — no count, no estimate, no freshness query."""
        reader.get("/api/v1/layers/pipes/features/?page_size=1&year=2024")  # user cached
        for size in (1, 3000):
            with CaptureQueriesContext(connection) as ctx:
                page = reader.get(f"/api/v1/layers/pipes/features/?page_size={size}&year=2024")
            assert len(json.loads(page.content)["features"]) == size
            assert len(ctx.captured_queries) == 2


class KeysetPagingTests:
    def test_every_feature_once_across_pages_though_others_write_between(self, reader, plants):
        """Seven plants p0…p6 by id, three a page. After page 1 (p0–p2) someone deletes p1 and
        adds p7 (a new, higher id). Following links.next gives p3–p5, then p6 and p7: each
        plant that stayed exactly once, the new one once. (OFFSET 3 would have started page 2
        at p4, one row on after the deletion, and skipped p3.)"""
        page = reader.get(PLANTS, {"bbox": BOX, "page_size": 3}).json()
        seen = ids_of(page)
        every = [p.id for p in plants]
        assert seen == every[:3]
        plants[1].delete()
        added = plant(7, code="T-SP-NEW")
        url = page["links"]["next"]
        while url:
            page = reader.get(url).json()
            seen += ids_of(page)
            url = page["links"].get("next")
        assert sorted(seen) == [*every, added.id]
        assert len(seen) == len(set(seen)) == 8

    def test_the_next_link_is_a_cursor_keeping_the_query(self, reader, plants):
        page = reader.get(PLANTS, {"bbox": BOX, "page_size": 3, "properties": "code"}).json()
        assert page["count"] is None and "page" not in page and page["page_size"] == 3
        nxt = page["links"]["next"]
        assert f"cursor={plants[2].id}" in nxt
        assert "properties=code" in nxt and "bbox=" in nxt and "page_size=3" in nxt
        second = reader.get(nxt).json()
        assert second["cursor"] == str(plants[2].id)
        assert ids_of(second) == [p.id for p in plants[3:6]]
        assert "prev" not in second["links"]  # keyset paging runs forward
        last = reader.get(second["links"]["next"]).json()
        assert ids_of(last) == [plants[6].id] and "next" not in last["links"]
        assert last["count"] is None  # the pages before it were not counted
        counted = reader.get(second["links"]["next"] + "&exact_count=true").json()
        assert counted["count"] == 7

    def test_limit_pages_by_cursor_too(self, reader, plants):
        page = reader.get(PLANTS, {"bbox": BOX, "limit": 4}).json()
        assert page["limit"] == 4 and "offset" not in page
        assert "cursor=" in page["links"]["next"] and "offset=" not in page["links"]["next"]

    def test_a_cursor_past_the_end_is_an_empty_last_page(self, reader):
        page = reader.get(PLANTS, {"cursor": str(2**63 - 1)}).json()
        assert page["features"] == [] and page["links"] == {} and page["count"] is None

    @pytest.mark.parametrize(
        "params",
        [
            {"cursor": "abc"},
            {"cursor": "-1"},
            {"cursor": "1.5"},
            {"cursor": "１２"},  # full-width digits
            {"cursor": str(2**63)},  # past bigint
            {"cursor": "9" * 40},
            {"cursor": "12", "page": 2},
            {"cursor": "12", "offset": 3},
        ],
    )
    def test_a_bad_cursor_is_400_naming_it(self, reader, params):
        assert refused_naming(reader.get(PLANTS, params), "cursor")


class BoundsTests:
    @pytest.mark.parametrize(
        "params,name",
        [
            ({"bbox": "1," * 150 + "1"}, "bbox"),
            ({"page_size": 5001}, "page_size"),
            ({"limit": 5001}, "limit"),
            ({"properties": "code," * 300}, "properties"),
        ],
    )
    def test_oversized_input_is_400_naming_it(self, reader, params, name):
        assert refused_naming(reader.get(PLANTS, params), name)


@pytest.fixture
def other_county_reader(client, django_user_model):
    """A second county (a 0.1° square at 113.50–113.60°E, 24.00–24.10°N, outside Lianzhou)
    with one plant, and an official who belongs to it only."""
    square = MultiPolygon(Polygon.from_bbox((113.5, 24.0, 113.6, 24.1)), srid=4326)
    other = AdminArea.objects.create(code="449902", name="测试县", level="county", geom=square)
    far = SewagePlant.objects.create(
        code="T-FAR",
        geom=Point(113.55, 24.05, srid=4326),
        design_capacity_m3d=500.0,
        effluent_grade="1B",
    )
    user = django_user_model.objects.create_user("far-official", password="x-long-password-1")
    user.groups.add(Group.objects.get(name="official"))
    AreaMembership.objects.create(user=user, area=other)
    client.force_login(user)
    return client, far


class ScopeTests:
    def test_cursor_pages_stay_in_the_readers_county(self, other_county_reader, official):
        """The far county's official pages one plant at a time from cursor 0 over a box
        holding both counties: only their own plant, and no next page. Lianzhou's official
        walking the same box never meets it."""
        client, far = other_county_reader
        wide = "112.0,23.9,113.7,25.2"
        page = client.get(PLANTS, {"bbox": wide, "cursor": "0", "page_size": 1}).json()
        assert ids_of(page) == [far.id] and "next" not in page["links"]
        assert page["features"][0]["properties"]["compliance"] == {"status": "no_data"}
        client.force_login(official)
        url, seen = f"{PLANTS}?bbox={wide}&page_size=3", []
        while url:
            page = client.get(url).json()
            seen += ids_of(page)
            url = page["links"].get("next")
        assert seen and far.id not in seen
        assert len(seen) == SewagePlant.objects.exclude(id=far.id).count()


@pytest.fixture
def border_pipes(django_user_model):
    """Two hand-made counties side by side, far from Lianzhou: west 101.0–101.1°E, east
    101.1–101.2°E (30.0–30.1°N). Planned pipes (no nodes needed) 0.001° long along a parallel,
    created alternately west, east, west… so their ids interleave: w1 < e1 < w2 < e2 < w3 < e3,
    each in the county of its midpoint. `diagonal` (west) runs from (101.040, 30.065) to
    (101.055, 30.080): its bounding box overlaps BORDER_BOX's north-west corner
    (101.050, 30.070), yet the line reaches x = 101.050 only at y = 30.065 + 0.010 = 30.075,
    north of the box, so it does not intersect it. `outside` (west, at 30.09°N) is north of
    the box. An official of the west county only."""
    west = AdminArea.objects.create(
        code="449911",
        name="测试西县",
        level="county",
        geom=MultiPolygon(Polygon.from_bbox((101.0, 30.0, 101.1, 30.1)), srid=4326),
    )
    east = AdminArea.objects.create(
        code="449912",
        name="测试东县",
        level="county",
        geom=MultiPolygon(Polygon.from_bbox((101.1, 30.0, 101.2, 30.1)), srid=4326),
    )

    def pipe(code: str, *coords: tuple[float, float]) -> PipeSegment:
        return PipeSegment.objects.create(
            code=code,
            geom=LineString(list(coords), srid=4326),
            diameter_mm=100,
            material="PE",
            status="planned",
            length_m=100.0,
        )

    made: dict[str, PipeSegment] = {}
    for i in (1, 2, 3):
        y = 30.04 + 0.005 * i
        made[f"w{i}"] = pipe(f"T-W{i}", (101.08, y), (101.081, y))
        made[f"e{i}"] = pipe(f"T-E{i}", (101.12, y), (101.121, y))
    made["diagonal"] = pipe("T-WD", (101.040, 30.065), (101.055, 30.080))
    made["outside"] = pipe("T-WO", (101.08, 30.09), (101.081, 30.09))
    made["across"] = pipe("T-WX", (101.098, 30.06), (101.101, 30.06))  # crosses the border
    ids = [p.id for p in made.values()]
    county = dict(PipeSegment.objects.filter(id__in=ids).values_list("code", "county_id"))
    assert {county[made[k].code] for k in ("w1", "w2", "w3", "diagonal", "across")} == {west.id}
    assert {county[made[k].code] for k in ("e1", "e2", "e3")} == {east.id}
    user = django_user_model.objects.create_user("west-official", password="x-long-password-1")
    user.groups.add(Group.objects.get(name="official"))
    AreaMembership.objects.create(user=user, area=west)
    return made, user


# Crosses the two counties' border (101.1°E); holds w1–w3, e1–e3 and `across`.
BORDER_BOX = "101.05,30.03,101.15,30.07"
PIPES = "/api/v1/layers/pipes/features/"


def pages_of(client, url: str) -> list[tuple[list[int], str | None]]:
    """Every page from `url` on, following links.next: (ids in order, the next cursor)."""
    out = []
    while url:
        page = client.get(url).json()
        url = page["links"].get("next")
        cursor = url.split("cursor=")[1].split("&")[0] if url else None
        out.append((ids_of(page), cursor))
    return out


class BorderBoxPagingTests:
    """The page is the box's matches by id, cut into pages by keyset cursor (issue 19): the
    contract any plan for a boxed page must keep — the same ids in the same order and the
    same next cursors — on a box crossing two counties' border, with a line whose bounding
    box overlaps the box though the line misses it."""

    def test_an_unscoped_reader_pages_both_counties_by_id(self, client, border_pipes):
        """Matches by id: w1 e1 w2 e2 w3 e3 across (7; not `diagonal`, whose box only
        overlaps, nor `outside`). Pages of 3: [w1 e1 w2] next w2, [e2 w3 e3] next e3,
        [across] and no next."""
        made, _ = border_pipes
        admin = get_user_model().objects.create_superuser("t-admin", password="x-long-pw-12")
        client.force_login(admin)
        order = [made[k].id for k in ("w1", "e1", "w2", "e2", "w3", "e3", "across")]
        assert order == sorted(order)
        pages = pages_of(client, f"{PIPES}?bbox={BORDER_BOX}&page_size=3&year=2024")
        assert pages == [
            (order[0:3], str(order[2])),
            (order[3:6], str(order[5])),
            (order[6:], None),
        ]

    def test_a_county_reader_pages_only_their_side(self, client, border_pipes):
        """The west official: w1 w2 w3 across (not e1–e3, though in the box). Pages of 2:
        [w1 w2] next w2 (3 rows read: one more follows), [w3 across] and no next (2 rows)."""
        made, west_official = border_pipes
        client.force_login(west_official)
        order = [made[k].id for k in ("w1", "w2", "w3", "across")]
        pages = pages_of(client, f"{PIPES}?bbox={BORDER_BOX}&page_size=2&year=2024")
        assert pages == [(order[0:2], str(order[1])), (order[2:4], None)]

    def test_offset_pages_are_the_same_rows(self, client, border_pipes):
        """page=2 of 3 (OFFSET 3) is e2 w3 e3, as the second keyset page."""
        made, _ = border_pipes
        admin = get_user_model().objects.create_superuser("t-admin", password="x-long-pw-12")
        client.force_login(admin)
        page = client.get(PIPES, {"bbox": BORDER_BOX, "page_size": 3, "page": 2}).json()
        assert ids_of(page) == [made[k].id for k in ("e2", "w3", "e3")]
