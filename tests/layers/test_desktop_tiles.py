"""TileJSON, the MapLibre style document and the tile of every layer, for desktop and web map
clients (docs/desktop-clients.md)."""

from __future__ import annotations

import json

import mapbox_vector_tile
import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from layers.limits import county_extent_4326
from layers.registry import LAYERS
from layers.style_expressions import own_paint, plain_dialect, verdict_paint
from layers.styles import compliance_style, feature_paint, paint_defaults, style_for
from layers.tilejson import maplibre_layers
from layers.tiles import lonlat_to_tile
from network.models import SupplyZone

STATES = ("compliant", "non_compliant", "no_data")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _zone_tile(code: str, z: int = 15) -> tuple[int, int, int]:
    point = SupplyZone.objects.get(code=code).geom.point_on_surface
    return (z, *lonlat_to_tile(point.x, point.y, z))


def _without_layer(slug: str) -> User:
    """A user whose role reads every layer but `slug` (no demo role lacks one)."""
    model = LAYERS[slug].model._meta
    group = Group.objects.create(name="no-" + slug)
    group.permissions.set(
        Permission.objects.filter(codename__startswith="view_").exclude(
            content_type__app_label=model.app_label, codename=f"view_{model.model_name}"
        )
    )
    user = User.objects.create_user("reader-" + slug, password="x")  # noqa: S106
    user.groups.add(group)
    return user


# A MapLibre expression evaluator for the operators the style uses (the style specification's
# semantics: `get` of a missing attribute is null, `all` stops at the first false, `match`
# takes its fallback for an unlisted value).
def evaluate(expr, props: dict):
    if not isinstance(expr, list):
        return expr
    op, args = expr[0], expr[1:]
    if op == "get":
        return props.get(args[0])
    if op == "literal":
        return args[0]
    if op == "typeof":
        value = evaluate(args[0], props)
        return "number" if isinstance(value, int | float) else "string"
    if op == "==":
        return evaluate(args[0], props) == evaluate(args[1], props)
    if op in (">=", "<"):
        a, b = evaluate(args[0], props), evaluate(args[1], props)
        return a >= b if op == ">=" else a < b
    if op == "in":
        return evaluate(args[0], props) in evaluate(args[1], props)
    if op == "all":
        return all(evaluate(a, props) for a in args)
    if op == "case":
        for condition, value in zip(args[:-1:2], args[1:-1:2], strict=True):
            if evaluate(condition, props):
                return evaluate(value, props)
        return evaluate(args[-1], props)
    if op == "match":
        value = evaluate(args[0], props)
        for label, out in zip(args[1:-1:2], args[2:-1:2], strict=True):
            if value == label:
                return evaluate(out, props)
        return evaluate(args[-1], props)
    if op == "max":
        return max(evaluate(a, props) for a in args)
    if op == "+":
        return sum(evaluate(a, props) for a in args)
    raise AssertionError(f"operator {op} not in the evaluator")


def _drawn(layers: list[dict], props: dict) -> list[dict]:
    return [layer for layer in layers if evaluate(layer.get("filter", True), props)]


class MapLibreTranslationTests:
    def test_failing_pipe_worked_example(self):
        """A DN 250 pipe of a failing zone: the rules give width 2.5 (200 ≤ 250 < 400) and
        colour #1a4f8a; the verdict non_compliant paints it #d7191c, max(2.5, 3) = 3 px wide,
        dashed '10 5', which in line widths of the layer's 1.5 px is 10/1.5 = 6.667,
        5/1.5 = 3.333. A DN 500 failing pipe keeps its 4 px (max(4, 3)). A planned DN 150
        pipe judged compliant: green, 1.5 px, its own dash '6 4' = 4, 2.667."""
        layers = maplibre_layers(
            LAYERS["pipes"], style_for("pipes"), compliance_style(), paint_defaults()
        )
        failing = {"diameter_mm": 250, "pipe_status": "in_service", "status": "non_compliant"}
        (line,) = _drawn(layers, failing)
        assert evaluate(line["paint"]["line-color"], failing) == "#d7191c"
        assert evaluate(line["paint"]["line-width"], failing) == 3
        assert line["paint"]["line-dasharray"] == [6.667, 3.333]
        assert line["layout"]["line-cap"] == "butt"
        big = {**failing, "diameter_mm": 500}
        assert evaluate(_drawn(layers, big)[0]["paint"]["line-width"], big) == 4
        planned = {"diameter_mm": 150, "pipe_status": "planned", "status": "compliant"}
        (line,) = _drawn(layers, planned)
        assert evaluate(line["paint"]["line-color"], planned) == "#1a9850"
        assert evaluate(line["paint"]["line-width"], planned) == 1.5
        assert line["paint"]["line-dasharray"] == [4.0, 2.667]

    @pytest.mark.parametrize("slug", ["pipes", "pipe-nodes", "water-users"])
    def test_every_legend_look_under_every_verdict_is_what_the_rules_give(self, slug):
        """For each legend entry's attributes (and none), under each verdict and none: the
        style layer that draws the feature (exactly one) paints what feature_paint and the
        verdict look give for those attributes."""
        spec, style = LAYERS[slug], style_for(slug)
        compliance = compliance_style() if style.get("verdicts") else None
        defaults = paint_defaults()
        layers = maplibre_layers(spec, style, compliance, defaults)
        renamed = spec.tile.renamed
        for entry in [*style["legend"], {"when": {}}]:
            own = entry["when"]
            tile_props = {renamed.get(k, k): v for k, v in own.items()}
            for status in (*STATES, None):
                props = {**tile_props, "status": status}
                expected = own_paint(style, defaults, plain_dialect(own))
                assert {k: expected[k] for k in feature_paint(style, own)} == feature_paint(
                    style, own
                )
                if compliance is not None:
                    state = status or "no_data"
                    expected = verdict_paint(
                        style["geometry"],
                        expected,
                        compliance["states"][state],
                        state,
                        plain_dialect(own),
                    )
                (layer,) = _drawn(layers, props)
                paint = {
                    k: evaluate(v, props)
                    for k, v in layer["paint"].items()
                    if k != "line-dasharray"  # a constant array, not an expression
                }
                if style["geometry"] == "Point":
                    assert paint["circle-color"] == expected["fill_color"]
                    assert paint["circle-radius"] == expected["radius"]
                    assert paint["circle-stroke-color"] == expected["stroke_color"]
                    assert paint["circle-stroke-width"] == expected["stroke_width"]
                else:
                    assert paint["line-color"] == expected["stroke_color"]
                    assert paint["line-width"] == expected["stroke_width"]
                    assert evaluate(layer["filter"], props) and (
                        layer["filter"][2] == expected["dash"].strip()
                    )

    def test_failing_water_user_grows_by_three(self):
        """A failing industrial user: its sector's fill #0072b2 kept, radius 4 + 3 = 7, the
        failing stroke colour and width (#d7191c, 4)."""
        (layer,) = maplibre_layers(
            LAYERS["water-users"], style_for("water-users"), compliance_style(), paint_defaults()
        )
        props = {"sector": "industry", "status": "non_compliant"}
        paint = {k: evaluate(v, props) for k, v in layer["paint"].items()}
        assert paint["circle-color"] == "#0072b2"
        assert paint["circle-radius"] == 7
        assert (paint["circle-stroke-color"], paint["circle-stroke-width"]) == ("#d7191c", 4)


@pytest.mark.django_db
class TileJsonTests:
    def test_layer_tilejson_describes_what_its_tiles_carry(self, client, official):
        client.force_login(official)
        doc = client.get("/tiles/pipes.json?year=2024").json()
        assert doc["tilejson"] == "3.0.0"
        assert doc["tiles"] == ["http://testserver/tiles/pipes/{z}/{x}/{y}.pbf?year=2024"]
        assert (doc["minzoom"], doc["maxzoom"]) == (12, 22)
        assert doc["bounds"] == pytest.approx(list(county_extent_4326()), abs=1e-6)
        assert doc["name"] == "供水管道"
        (layer,) = doc["vector_layers"]
        z, x, y = _zone_tile("SZ01")
        tile = client.get(f"/tiles/pipes/{z}/{x}/{y}.pbf?year=2024")
        features = mapbox_vector_tile.decode(tile.content)["pipes"]["features"]
        carried = set().union(*(f["properties"] for f in features))
        # `status` is null on pipes without a verdict: MVT leaves null attributes out.
        assert carried <= set(layer["fields"]) and set(layer["fields"]) - carried <= {"status"}
        assert layer["fields"]["diameter_mm"].startswith("Number")

    def test_english_site_names_layers_in_english(self, client, official):
        client.force_login(official)
        client.cookies["django_language"] = "en"
        assert client.get("/tiles/pipes.json").json()["name"] == "Water pipes"

    def test_unknown_or_untiled_layer_and_bad_year_are_clear_errors(self, client, official):
        client.force_login(official)
        assert client.get("/tiles/towns.json").status_code == 404
        assert client.get("/tiles/nope.json").status_code == 404
        response = client.get("/tiles/pipes.json?year=abc")
        assert response.status_code == 400
        assert "year" in response.json()["error"]["details"]

    def test_token_reads_tilejson_style_and_tiles_anonymous_does_not(self, client, official):
        key = Token.objects.create(user=official).key
        auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
        z, x, y = _zone_tile("SZ01")
        for url in ("/tiles/tilejson.json", "/tiles/style.json", f"/tiles/all/{z}/{x}/{y}.pbf"):
            refused = client.get(url)
            assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Token", url
            assert client.get(url, **auth).status_code == 200, url

    def test_all_layers_only_those_the_user_reads(self, client):
        client.force_login(_without_layer("water-users"))
        doc = client.get("/tiles/tilejson.json").json()
        assert [v["id"] for v in doc["vector_layers"]] == ["pipes", "pipe-nodes"]
        assert doc["tiles"] == ["http://testserver/tiles/all/{z}/{x}/{y}.pbf"]
        style = client.get("/tiles/style.json").json()
        assert {layer["source-layer"] for layer in style["layers"]} == {"pipes", "pipe-nodes"}
        assert style["sources"]["lianzhou"]["url"] == "http://testserver/tiles/tilejson.json"
        z, x, y = _zone_tile("SZ01")
        decoded = mapbox_vector_tile.decode(client.get(f"/tiles/all/{z}/{x}/{y}.pbf").content)
        assert set(decoded) == {"pipes", "pipe-nodes"}


@pytest.mark.django_db
class AllTilesTests:
    def test_one_tile_holds_each_layer_as_its_own_tile_does(self, client, official):
        client.force_login(official)
        z, x, y = _zone_tile("SZ01")
        decoded = mapbox_vector_tile.decode(client.get(f"/tiles/all/{z}/{x}/{y}.pbf").content)
        assert set(decoded) == {"pipes", "pipe-nodes", "water-users"}
        for slug, layer in decoded.items():
            alone = mapbox_vector_tile.decode(client.get(f"/tiles/{slug}/{z}/{x}/{y}.pbf").content)
            assert json.dumps(layer, sort_keys=True) == json.dumps(alone[slug], sort_keys=True)

    def test_layers_below_their_zoom_are_left_out_and_etag_gives_304(self, client, official):
        """At z13 the nodes (drawn from z15) are left out; pipes (z12) and users (z11) stay."""
        client.force_login(official)
        z, x, y = _zone_tile("SZ01", z=13)
        response = client.get(f"/tiles/all/{z}/{x}/{y}.pbf")
        assert set(mapbox_vector_tile.decode(response.content)) == {"pipes", "water-users"}
        again = client.get(f"/tiles/all/{z}/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304

    def test_out_of_range_and_empty(self, client, official):
        client.force_login(official)
        assert client.get("/tiles/all/23/0/0.pbf").status_code == 400
        assert client.get("/tiles/all/3/8/0.pbf").json()["error"]["details"].keys() == {"x"}
        assert client.get("/tiles/all/15/0/0.pbf").status_code == 204

    def test_warm_tile_runs_no_tile_query(self, client, official, django_assert_max_num_queries):
        client.force_login(official)
        z, x, y = _zone_tile("SZ01")
        client.get(f"/tiles/all/{z}/{x}/{y}.pbf")
        with django_assert_max_num_queries(3) as ctx:
            assert client.get(f"/tiles/all/{z}/{x}/{y}.pbf").status_code == 200
        assert not any("ST_AsMVT(" in q["sql"] for q in ctx.captured_queries)
