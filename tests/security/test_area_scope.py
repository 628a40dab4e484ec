"""Two counties in one database: codes unique per county, and each user limited to their area.

A small second county (a 0.1° square far east of Lianzhou, under the same city) is added
beside the demo's Lianzhou, holding a water user, two nodes and a pipe whose codes are
Lianzhou's own codes. A county user sees and edits only their county through the API, tiles,
search, export and admin; a city user sees both; imports and edits outside one's area are
refused with nothing written.
"""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree  # noqa: S405  (our own output)

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.db import IntegrityError, transaction
from pyproj import Transformer
from shapely.geometry import Point as ShapelyPoint

from accounts.models import AreaMembership
from accounts.scope import scope_for_user
from consumption.models import WaterUser
from dataio.importing import ImportFailed, layer_import
from layers.models import AdminArea
from layers.scope import EVERYWHERE, NOWHERE, scope_bound
from layers.tiles import lonlat_to_tile
from network.models import PipeNode, PipeSegment
from network.services.check import network_problems
from tests.helpers import tables_fingerprint, write_layer

pytestmark = pytest.mark.django_db

# The second county: a square of 0.1° at 113.50–113.60°E, 24.00–24.10°N (outside Lianzhou,
# which lies at about 112.1–112.7°E, 24.6–25.2°N).
WEST, SOUTH, SIZE = 113.50, 24.00, 0.10
INSIDE = (113.55, 24.05)
USERS = "/api/v1/layers/water-users/features/"
PIPES = "/api/v1/layers/pipes/features/"


def square(west: float, south: float, size: float) -> MultiPolygon:
    ring = Polygon.from_bbox((west, south, west + size, south + size))
    return MultiPolygon(ring, srid=4326)


@pytest.fixture
def counties():
    """Lianzhou (the demo) and 测试县 under one city; features with Lianzhou's codes."""
    lianzhou = AdminArea.objects.get(level="county", code="441882")
    city, _ = AdminArea.objects.get_or_create(
        code="441800",
        defaults={"name": "清远市", "level": "city", "geom": square(111.9, 23.4, 2.0)},
    )
    lianzhou.parent = city
    lianzhou.save(update_fields=["parent"])
    other = AdminArea.objects.create(
        code="449901", name="测试县", level="county", parent=city, geom=square(WEST, SOUTH, SIZE)
    )
    twin_user = WaterUser.objects.order_by("code").first()
    user = WaterUser.objects.create(
        code=twin_user.code, name="测试用户", sector="industry", geom=Point(*INSIDE, srid=4326)
    )
    node_codes = list(PipeNode.objects.order_by("code").values_list("code", flat=True)[:2])
    a = PipeNode.objects.create(code=node_codes[0], geom=Point(113.55, 24.05, srid=4326))
    b = PipeNode.objects.create(code=node_codes[1], geom=Point(113.552, 24.05, srid=4326))
    pipe_code = PipeSegment.objects.order_by("code").values_list("code", flat=True).first()
    pipe = PipeSegment.objects.create(
        code=pipe_code,
        geom=LineString((113.55, 24.05), (113.552, 24.05), srid=4326),
        start_node=a,
        end_node=b,
        diameter_mm=100,
        material="PE",
        length_m=203.4,
    )
    return {"lianzhou": lianzhou, "other": other, "city": city, "user": user, "pipe": pipe}


def member(django_user_model, name: str, area: AdminArea, role: str, staff: bool = False):
    user = django_user_model.objects.create_user(name, password="x", is_staff=staff)
    user.groups.add(Group.objects.get(name=role))
    AreaMembership.objects.create(user=user, area=area)
    return user


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return sorted(f["properties"]["code"] for f in response.json()["features"])


class CountyDerivationTests:
    def test_the_database_derives_each_feature_county(self, counties):
        """The pipe's midpoint (113.551, 24.05) lies in the square: county = 测试县; a
        Lianzhou pipe keeps Lianzhou. A county written by hand is overwritten."""
        pipe = PipeSegment.objects.get(pk=counties["pipe"].pk)
        assert pipe.county_id == counties["other"].id
        lianzhou_pipe = PipeSegment.objects.exclude(pk=pipe.pk).order_by("code").first()
        assert lianzhou_pipe.county_id == counties["lianzhou"].id
        PipeSegment.objects.filter(pk=pipe.pk).update(county=counties["lianzhou"])
        pipe.refresh_from_db()
        assert pipe.county_id == counties["other"].id

    def test_codes_are_unique_within_a_county_not_across(self, counties):
        """Lianzhou's codes were reused in 测试县 (fixture); a second 测试县 user with the same
        code is refused by the database."""
        with pytest.raises(IntegrityError), transaction.atomic():
            WaterUser.objects.create(
                code=counties["user"].code,
                sector="industry",
                geom=Point(113.56, 24.06, srid=4326),
            )
        assert WaterUser.objects.filter(code=counties["user"].code).count() == 2


class ScopeTests:
    def test_who_sees_what(self, counties, django_user_model, official):
        """County member: that county; city member: both; superuser: all; no membership
        with two counties: nothing (with one county: everything, a single-county install)."""
        other, lianzhou = counties["other"], counties["lianzhou"]
        county_user = member(django_user_model, "yang", other, "official")
        city_user = member(django_user_model, "qy", counties["city"], "official")
        assert scope_for_user(county_user).counties == {other.id}
        assert scope_for_user(city_user).counties == {other.id, lianzhou.id}
        assert scope_for_user(official).counties == {lianzhou.id}  # the demo's accounts
        nobody = django_user_model.objects.create_user("nobody", password="x")
        assert scope_for_user(nobody) == NOWHERE  # two counties, no area: nothing
        admin = django_user_model.objects.create_superuser("root2", password="x")
        assert scope_for_user(admin) == EVERYWHERE

    def test_api_lists_and_details(self, client, counties, django_user_model):
        twin = counties["user"]
        client.force_login(member(django_user_model, "yang", counties["other"], "official"))
        assert codes(client.get(USERS, {"limit": 50})) == [twin.code]
        lianzhou_user = WaterUser.objects.exclude(pk=twin.pk).filter(code=twin.code).get()
        assert client.get(f"{USERS}{lianzhou_user.pk}/").status_code == 404
        assert client.get(f"{USERS}{twin.pk}/").status_code == 200

        client.force_login(member(django_user_model, "lz", counties["lianzhou"], "official"))
        body = client.get(USERS, {"limit": 5000}).json()
        assert twin.code in [f["properties"]["code"] for f in body["features"]]
        assert twin.pk not in [f["id"] for f in body["features"]]
        assert body["features"] and len(body["features"]) == WaterUser.objects.count() - 1

        client.force_login(member(django_user_model, "qy", counties["city"], "official"))
        every = client.get(USERS, {"limit": 1, "exact_count": "true"}).json()
        assert every["count"] == WaterUser.objects.count()

    def test_tiles(self, client, counties, django_user_model):
        """The tile holding 测试县's pipe: drawn for its county's user (200), empty (204) for
        Lianzhou's — also once the county user's tile is cached."""
        x, y = lonlat_to_tile(113.551, 24.05, 14)
        url = f"/tiles/pipes/14/{x}/{y}.pbf"
        client.force_login(member(django_user_model, "yang", counties["other"], "official"))
        assert client.get(url).status_code == 200
        client.force_login(member(django_user_model, "lz", counties["lianzhou"], "official"))
        assert client.get(url).status_code == 204

    def test_search(self, client, counties, django_user_model):
        code = counties["user"].code
        client.force_login(member(django_user_model, "lz", counties["lianzhou"], "official"))
        hits = client.get("/api/v1/search/", {"q": code}).json()["results"]
        ids = [h["id"] for h in hits if h["layer"] == "water-users"]
        assert ids and counties["user"].pk not in ids
        client.force_login(member(django_user_model, "qy", counties["city"], "official"))
        hits = client.get("/api/v1/search/", {"q": code}).json()["results"]
        assert counties["user"].pk in [h["id"] for h in hits if h["layer"] == "water-users"]

    def test_export(self, client, counties, django_user_model):
        client.force_login(member(django_user_model, "yang", counties["other"], "official"))
        response = client.get("/data/water-users/export/", {"format": "csv", "srid": 4326})
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["code"] for r in rows] == [counties["user"].code]

    def test_admin(self, client, counties, django_user_model):
        client.force_login(member(django_user_model, "yangadm", counties["other"], "admin", True))
        page = client.get("/admin/consumption/wateruser/")
        assert page.status_code == 200
        assert "1 个" in page.content.decode() or "1 water user" in page.content.decode()
        lianzhou_user = WaterUser.objects.exclude(county=counties["other"]).first()
        assert client.get(
            f"/admin/consumption/wateruser/{lianzhou_user.pk}/change/"
        ).status_code in (
            302,
            404,
        )


class ScopedWriteTests:
    def test_an_engineer_cannot_edit_or_draw_outside_their_county(
        self, client, counties, django_user_model
    ):
        """PATCH of a Lianzhou pipe: 404 (not in their area); a pipe drawn in Lianzhou: 400
        outside_area; a pipe drawn in their county: 201. Nothing else changes."""
        client.force_login(member(django_user_model, "yangeng", counties["other"], "engineer"))
        lianzhou_pipe = PipeSegment.objects.filter(county=counties["lianzhou"]).first()
        patch = client.patch(
            f"{PIPES}{lianzhou_pipe.pk}/",
            json.dumps({"type": "Feature", "properties": {"diameter_mm": 150}}),
            content_type="application/json",
            HTTP_IF_MATCH=f'"{lianzhou_pipe.version}"',
        )
        assert patch.status_code == 404
        before = tables_fingerprint()
        start = lianzhou_pipe.geom.coords[0]
        drawn = {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [
                    [start[0] + 0.01, start[1] + 0.01],
                    [start[0] + 0.011, start[1] + 0.01],
                ],
            },
            "properties": {"diameter_mm": 100, "material": "PE"},
        }
        refused = client.post(PIPES, json.dumps(drawn), content_type="application/json")
        assert refused.status_code == 400, refused.content
        assert refused.json()["error"]["details"]["problem"] == "outside_area"
        assert tables_fingerprint() == before
        drawn["geometry"]["coordinates"] = [[113.56, 24.06], [113.561, 24.06]]
        created = client.post(PIPES, json.dumps(drawn), content_type="application/json")
        assert created.status_code == 201, created.content
        pipe = PipeSegment.objects.get(pk=created.json()["id"])
        assert pipe.county_id == counties["other"].id

    def test_an_import_outside_the_importer_area_is_refused(
        self, counties, django_user_model, tmp_path
    ):
        """测试县's user imports two water users, one in Lianzhou: refused, nothing written."""
        lianzhou_user = WaterUser.objects.filter(county=counties["lianzhou"]).first()
        path = write_layer(
            tmp_path / "users.geojson",
            [ShapelyPoint(113.57, 24.07), ShapelyPoint(lianzhou_user.geom.x, lianzhou_user.geom.y)],
            {"code": ["YS-1", "YS-2"], "sector": ["industry", "industry"]},
        )
        yang = member(django_user_model, "yang", counties["other"], "official")
        before = tables_fingerprint()
        with scope_bound(lambda: scope_for_user(yang)), pytest.raises(ImportFailed) as refused:
            layer_import(slug="water-users", path=path)
        assert "outside your area" in str(refused.value.errors)
        assert tables_fingerprint() == before


class AreaAdminTests:
    def test_an_administrator_sets_a_user_area_in_the_user_admin(self, client, counties):
        """The user list shows each user's area; the change page edits it (inline)."""
        client.force_login(get_user_model().objects.get(username="admin"))
        listing = client.get("/admin/auth/user/")
        assert listing.status_code == 200 and "连州市" in listing.content.decode()
        official = get_user_model().objects.get(username="official")
        page = client.get(f"/admin/auth/user/{official.pk}/change/")
        assert page.status_code == 200 and "area_membership-0-area" in page.content.decode()


class ScopedNetworkCheckTests:
    def test_the_network_check_lists_problems_in_the_user_area(self, counties, django_user_model):
        """测试县's lone pipe reaches no source: a disconnected part for its county's user,
        absent from Lianzhou's list (which keeps its own problems)."""
        pipe = counties["pipe"].pk

        def parts(user) -> list[list[int]]:
            with scope_bound(lambda: scope_for_user(user)):
                return [
                    p.as_feature()["properties"]["pipe_ids"]
                    for p in network_problems()
                    if p.problem == "disconnected_part"
                ]

        yang = member(django_user_model, "yang", counties["other"], "engineer")
        lz = member(django_user_model, "lz", counties["lianzhou"], "engineer")
        assert [pipe] in parts(yang)
        assert not any(pipe in ids for ids in parts(lz))


class ScopedAnalysisTests:
    def test_isolating_another_county_pipe_is_not_found(self, client, counties, django_user_model):
        """Lianzhou's engineer asks to isolate 测试县's pipe: 404, as for a pipe that does not
        exist; 测试县's engineer gets an answer."""
        url = f"/api/v1/network/pipes/{counties['pipe'].pk}/isolation/"
        client.force_login(member(django_user_model, "lz", counties["lianzhou"], "engineer"))
        assert client.get(url).status_code == 404
        client.force_login(member(django_user_model, "yang", counties["other"], "engineer"))
        assert client.get(url).status_code in (200, 400)  # 400: in no part with a source


class DesktopExtentTests:
    def test_tilejson_qgis_and_ogc_open_on_the_readers_area(
        self, client, counties, django_user_model
    ):
        """测试县's official: TileJSON bounds, the OGC collections' extent and the QGIS canvas are
        测试县's square (113.50–113.60°E, 24.00–24.10°N); the city's official: the box of both
        counties, from Lianzhou's west edge to 113.60°E."""
        from layers.limits import county_extent_4326  # noqa: PLC0415

        client.force_login(member(django_user_model, "yang", counties["other"], "official"))
        square_box = [WEST, SOUTH, WEST + SIZE, SOUTH + SIZE]
        assert client.get("/tiles/pipes.json").json()["bounds"] == pytest.approx(square_box)
        assert client.get("/tiles/tilejson.json").json()["bounds"] == pytest.approx(square_box)
        collection = client.get("/ogcapi/collections/pipes", {"f": "json"}).json()
        assert collection["extent"]["spatial"]["bbox"] == [pytest.approx(square_box)]
        root = ElementTree.fromstring(client.get("/qgis/project.qgs").content)  # noqa: S314
        canvas = [
            float(root.find(f"mapcanvas/extent/{k}").text) for k in ("xmin", "ymin", "xmax", "ymax")
        ]
        to_lonlat = Transformer.from_crs(4546, 4326, always_xy=True)
        lon, lat = to_lonlat.transform((canvas[0] + canvas[2]) / 2, (canvas[1] + canvas[3]) / 2)
        assert WEST < lon < WEST + SIZE and SOUTH < lat < SOUTH + SIZE
        client.logout()
        client.force_login(member(django_user_model, "qy", counties["city"], "official"))
        lianzhou = county_extent_4326()  # every county: Lianzhou and the square
        bounds = client.get("/tiles/pipes.json").json()["bounds"]
        assert bounds == pytest.approx(list(lianzhou))
        assert bounds[0] < 113 and bounds[2] == pytest.approx(WEST + SIZE)
