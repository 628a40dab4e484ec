"""Feature pages (issue 19): the lean default property set and the full one on request, keyset
paging by cursor (every feature once, whatever is written between pages), bounded input, and
the area scope on every page."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AreaMembership
from layers.models import AdminArea, SewagePlant

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
