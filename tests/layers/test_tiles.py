"""Vector tiles: content, attributes, query counts, caching (ETag, 304, versions), errors."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
import shapely
from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSGeometry
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from accounts.scope import scope_for_user
from dataio.importing.layer_import import layer_import
from layers.scope import scope_bound
from layers.tiles import (
    EXTENT,
    MERCATOR_HALF_WIDTH_M,
    lonlat_to_3857,
    lonlat_to_tile,
    simplify_tolerance_3857,
    tile_build,
    tile_content,
    tile_out_of_range,
    tile_plan,
    tile_sql,
    tile_width_3857,
)
from network.models import PipeSegment, SupplyZone
from tests.helpers import rewrite_one_row, write_layer

MVT = "application/vnd.mapbox-vector-tile"
PIPE_ATTRIBUTES = {
    "code",
    "diameter_mm",
    "material",
    "pipe_status",
    "install_year",
    "version",
    "status",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The local-memory cache outlives each test's rolled-back transaction: start clean."""
    cache.clear()
    yield
    cache.clear()


def _zone_tile(code: str, z: int = 15) -> tuple[int, int, int]:
    """The tile at zoom z over a point inside supply zone `code` (a dense part of the network)."""
    point = SupplyZone.objects.get(code=code).geom.point_on_surface
    return (z, *lonlat_to_tile(point.x, point.y, z))


def _tile_polygon_4326(z: int, x: int, y: int) -> GEOSGeometry:
    """The tile's square (EPSG:3857) as an EPSG:4326 polygon."""
    width = tile_width_3857(z)
    minx, maxy = -MERCATOR_HALF_WIDTH_M + x * width, MERCATOR_HALF_WIDTH_M - y * width
    box = shapely.box(minx, maxy - width, minx + width, maxy)
    return GEOSGeometry(box.wkt, srid=3857).transform(4326, clone=True)


def _url(slug: str, z: int, x: int, y: int, query: str = "") -> str:
    return f"/tiles/{slug}/{z}/{x}/{y}.pbf" + (f"?{query}" if query else "")


def _features(response, layer: str = "pipes", **options) -> list[dict]:
    assert response.status_code == 200, response.content[:200]
    decoded = mapbox_vector_tile.decode(response.content, default_options=options or None)
    assert list(decoded) == [layer]
    return decoded[layer]["features"]


def _mvt_queries(ctx: CaptureQueriesContext) -> int:
    return sum("ST_AsMVT(" in q["sql"] for q in ctx.captured_queries)


class TileMathTests:
    def test_ranges_name_the_bad_coordinate(self):
        assert tile_out_of_range(0, 0, 0) is None
        assert tile_out_of_range(22, 2**22 - 1, 2**22 - 1) is None
        assert tile_out_of_range(23, 0, 0) == "z"
        assert tile_out_of_range(3, 8, 0) == "x"
        assert tile_out_of_range(3, 0, 8) == "y"

    def test_tile_of_a_point_and_tolerance_per_zoom(self):
        assert lonlat_to_tile(0.0001, -0.0001, 1) == (1, 1)
        assert lonlat_to_tile(-179.9, 85.0, 2) == (0, 0)
        # Lianzhou town, against the slippy-map formula of the OSM wiki.
        lon, lat, z = 112.38, 24.78, 10
        osm_x = int((lon + 180) / 360 * 2**z)
        osm_y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
        assert lonlat_to_tile(lon, lat, z) == (osm_x, osm_y) == (831, 439)
        assert tile_width_3857(0) == pytest.approx(40075016.686, rel=1e-9)
        assert simplify_tolerance_3857(15) == pytest.approx(simplify_tolerance_3857(14) / 2)


@pytest.mark.django_db
class TileContentTests:
    def test_dense_tile_decodes_into_pipes_with_attributes_and_tile_coordinates(
        self, client, official
    ):
        client.force_login(official)
        z, x, y = _zone_tile("SZ01")
        response = client.get(_url("pipes", z, x, y))
        assert response["Content-Type"] == MVT
        features = _features(response, y_coord_down=True)
        assert len(features) > 100
        assert all(set(f["properties"]) >= PIPE_ATTRIBUTES - {"status"} for f in features)
        # The id comes once, as the MVT feature id, never again as an attribute.
        assert all(isinstance(f["id"], int) and "id" not in f["properties"] for f in features)
        assert {f["geometry"]["type"] for f in features} <= {"LineString", "MultiLineString"}
        # A pipe lying wholly inside the tile starts where Web Mercator puts its first vertex.
        by_id = {f["id"]: f for f in features}
        width = tile_width_3857(z)
        minx, maxy = -MERCATOR_HALF_WIDTH_M + x * width, MERCATOR_HALF_WIDTH_M - y * width
        inside = PipeSegment.objects.filter(
            id__in=by_id, geom__within=_tile_polygon_4326(z, x, y)
        ).first()
        lon, lat = inside.geom.coords[0]
        mx, my = lonlat_to_3857(lon, lat)
        expected = ((mx - minx) / width * EXTENT, (maxy - my) / width * EXTENT)
        feature = by_id[inside.id]
        first = feature["geometry"]["coordinates"][0]
        assert first == pytest.approx(expected, abs=1.01)
        props = feature["properties"]
        assert props["code"] == inside.code
        assert props["diameter_mm"] == inside.diameter_mm
        assert props["material"] == inside.material
        assert props["pipe_status"] == inside.status
        assert props["version"] == inside.version

    def test_points_layers_carry_their_attributes(self, client, official):
        client.force_login(official)
        z, x, y = _zone_tile("SZ01")
        nodes = _features(client.get(_url("pipe-nodes", z, x, y)), "pipe-nodes")
        assert nodes and all({"code", "kind"} <= set(f["properties"]) for f in nodes)
        assert all(f["geometry"]["type"] == "Point" for f in nodes)
        users = _features(client.get(_url("water-users", *_zone_tile("SZ01", 13))), "water-users")
        assert users and all({"code", "sector", "status"} <= set(f["properties"]) for f in users)

    def test_pipes_of_failing_zone_are_non_compliant_in_2024(self, client, official):
        client.force_login(official)
        z, x, y = _zone_tile("SZ04")
        features = _features(client.get(_url("pipes", z, x, y, "year=2024")))
        in_zone = set(
            PipeSegment.objects.filter(
                supply_zone__code="SZ04", id__in=[f["id"] for f in features]
            ).values_list("id", flat=True)
        )
        assert in_zone
        statuses = {f["properties"]["status"] for f in features if f["id"] in in_zone}
        assert statuses == {"non_compliant"}

    def test_abandoned_pipes_only_with_all(self, client, official):
        client.force_login(official)
        pipe = PipeSegment.objects.filter(status="abandoned").first()
        point = pipe.geom.interpolate_normalized(0.5)
        z = 17
        x, y = lonlat_to_tile(point.x, point.y, z)
        plain = client.get(_url("pipes", z, x, y))
        ids = {f["id"] for f in _features(plain)} if plain.status_code == 200 else set()
        assert pipe.id not in ids
        every = {f["id"]: f for f in _features(client.get(_url("pipes", z, x, y, "all=1")))}
        assert every[pipe.id]["properties"]["pipe_status"] == "abandoned"

    def test_empty_tile_is_204_without_body(self, client, official):
        client.force_login(official)
        response = client.get(_url("pipes", 10, 512, 512))  # off the coast of Africa
        assert response.status_code == 204
        assert response.content == b""
        assert response["ETag"]


@pytest.mark.django_db
class TileQueryTests:
    def test_one_tile_query_cold_none_warm(self, client, official):
        client.force_login(official)
        z, x, y = _zone_tile("SZ01")
        with CaptureQueriesContext(connection) as cold:
            first = client.get(_url("pipes", z, x, y))
        with CaptureQueriesContext(connection) as warm:
            second = client.get(_url("pipes", z, x, y))
        assert _mvt_queries(cold) == 1
        assert _mvt_queries(warm) == 0
        assert first.content == second.content

    def test_tile_query_filters_through_the_spatial_index(self):
        z, x, y = _zone_tile("SZ01")
        sql, params = tile_sql("pipes", z, x, y, include_hidden=False, year=2024)
        with connection.cursor() as cur:
            # The property under test is the query's shape: the tile envelope filters the
            # stored web-mercator copy (geom_3857) directly, so it can use that column's index
            # (transforming every row could not). Whether the planner picks it also depends
            # on statistics that earlier tests disturb by rewriting pipes in rolled-back
            # transactions; the benchmark records the real plan.
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cur.fetchall())
        assert "Index Cond: (geom_3857 && '" in plan, plan
        assert "Seq Scan" not in plan

    def test_warm_tile_reads_only_the_data_versions(
        self, client, official, django_assert_num_queries
    ):
        client.force_login(official)
        z, x, y = _zone_tile("SZ01")
        scope = scope_for_user(official)  # the cached tile is the official's area's
        for year in (None, 2024):
            client.get(_url("pipes", z, x, y, f"year={year}" if year else ""))
            with django_assert_num_queries(1), scope_bound(lambda: scope):
                # outside a request: the versions, each call
                plan = tile_plan("pipes", z, x, y, year=year, include_abandoned=False)
                assert tile_content(plan)


@pytest.mark.django_db
class TileCachingTests:
    def test_headers_etag_and_304(self, client, official):
        client.force_login(official)
        url = _url("pipes", *_zone_tile("SZ01"))
        response = client.get(url)
        etag = response["ETag"]
        assert etag.startswith('"') and len(etag) > 10
        assert "private" in response["Cache-Control"]
        assert "max-age=60" in response["Cache-Control"]
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == etag
        assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
        assert client.get(url + "?year=2024")["ETag"] != etag

    def test_version_bump_gives_a_new_etag(
        self, client, official, django_capture_on_commit_callbacks
    ):
        client.force_login(official)
        url = _url("pipes", *_zone_tile("SZ01"))
        before = client.get(url)["ETag"]
        with django_capture_on_commit_callbacks(execute=True):
            rewrite_one_row("layers_pipesegment")
        response = client.get(url, HTTP_IF_NONE_MATCH=before)
        assert response.status_code == 200
        assert response["ETag"] != before

    def test_import_is_visible_on_the_next_request(
        self, client, official, tmp_path, django_capture_on_commit_callbacks
    ):
        client.force_login(official)
        z, x, y = _zone_tile("SZ01")
        features = {f["id"]: f for f in _features(client.get(_url("pipes", z, x, y)))}
        pipe = PipeSegment.objects.filter(id__in=features, status="in_service").first()
        new_diameter = 600 if pipe.diameter_mm != 600 else 400
        path = write_layer(
            tmp_path / "pipes.geojson",
            [shapely.from_wkt(pipe.geom.wkt)],
            {
                "code": [pipe.code],
                "diameter_mm": [new_diameter],
                "material": [pipe.material],
                "install_year": [pipe.install_year or 2000],
                "status": [pipe.status],
            },
        )
        with django_capture_on_commit_callbacks(execute=True):
            layer_import(slug="pipes", path=path)
        after = {f["id"]: f for f in _features(client.get(_url("pipes", z, x, y)))}
        assert after[pipe.id]["properties"]["diameter_mm"] == new_diameter
        assert after[pipe.id]["properties"]["version"] == pipe.version + 1


@pytest.mark.django_db
class TileErrorTests:
    @pytest.mark.parametrize(
        "path,param",
        [
            ("23/0/0", "z"),
            ("3/8/0", "x"),
            ("3/0/8", "y"),
            ("3/0/0?year=abc", "year"),
            ("3/0/0?year=1999", "year"),
        ],
    )
    def test_bad_parameters_are_400_naming_them(self, client, official, path, param):
        client.force_login(official)
        tile, _, query = path.partition("?")
        response = client.get(f"/tiles/pipes/{tile}.pbf" + (f"?{query}" if query else ""))
        assert response.status_code == 400
        assert param in response.json()["error"]["details"]

    @pytest.mark.parametrize("slug", ["nope", "towns"])
    def test_untiled_layer_is_404_json(self, client, official, slug):
        client.force_login(official)
        response = client.get(_url(slug, 3, 0, 0), HTTP_ACCEPT=MVT)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_anonymous_and_roleless_users_refused(self, client):
        response = client.get(_url("pipes", 3, 0, 0))
        assert response.status_code in (401, 403)
        assert response.json()["error"]["code"] in ("not_authenticated", "permission_denied")
        client.force_login(User.objects.create_user("nobody", password="x-long-password-1"))
        response = client.get(_url("pipes", 3, 0, 0))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"

    def test_token_auth_and_mvt_accept_header(self, client, official):
        token = Token.objects.create(user=official)
        response = client.get(
            _url("pipes", *_zone_tile("SZ01")),
            HTTP_AUTHORIZATION=f"Token {token.key}",
            HTTP_ACCEPT=MVT,
        )
        assert len(_features(response)) > 100


@pytest.mark.django_db
class PreparedTests:
    def test_the_tile_statement_is_prepared_and_its_generic_plan_answers_alike(self):
        """The pipes tile over zone SZ04 (failing leakage in 2024) built with custom plans and
        with PostgreSQL's generic plan (forced): the same features, SZ04's pipes non_compliant in
        both; the statement prepared on the connection, the threshold back to None."""
        z, x, y = _zone_tile("SZ04")
        built = {}
        with connection.cursor() as cur:
            for mode in ("force_custom_plan", "force_generic_plan"):
                cur.execute(f"SET plan_cache_mode = {mode}")
                built[mode] = [
                    tile_build("pipes", z, x, y, include_hidden=False, year=2024) for _ in range(3)
                ]
            cur.execute("RESET plan_cache_mode")
            cur.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%ST_AsMVT%%'"
            )
            assert cur.fetchone()[0] >= 1
        assert connection.connection.prepare_threshold is None

        def decoded(tile: bytes) -> list[dict]:  # a plan may emit the rows in another order
            return sorted(mapbox_vector_tile.decode(tile)["pipes"]["features"], key=repr)

        custom, generic = built["force_custom_plan"], built["force_generic_plan"]
        features = decoded(custom[0])
        assert features and all(decoded(t) == features for t in custom + generic)
        in_zone = set(
            PipeSegment.objects.filter(
                supply_zone__code="SZ04", id__in=[f["id"] for f in features]
            ).values_list("id", flat=True)
        )
        assert in_zone
        assert {f["properties"]["status"] for f in features if f["id"] in in_zone} == {
            "non_compliant"
        }
