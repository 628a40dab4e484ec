"""Adding a layer costs one model, one spec and one style file: a throw-away layer registered
here (no other file touched) is listed, served as features and as tiles, drawn on the map
page, imported and exported, and its writes bump its data version (the database trigger)."""

from __future__ import annotations

import json
import shutil

import mapbox_vector_tile
import pyogrio.raw
import pytest
import shapely
from django.apps import apps
from django.contrib.gis.db import models
from django.core import checks
from django.db import connection

from dataio.exporting import layer_export
from dataio.importing.layer_import import layer_import
from layers.attributes import Attr
from layers.models.base import InTown, LayerFeature
from layers.registry import LAYERS, layer_register, layer_unregister
from layers.spec import LayerSpec, TileSpec
from layers.styles import styles_dir
from layers.tiles import lonlat_to_tile
from layers.version_triggers import install_version_trigger
from tests.helpers import write_layer

pytestmark = pytest.mark.django_db
SLUG = "monitoring-wells"
WELLS = [  # inside Lianzhou, near the county seat (synthetic)
    ("MW01", "城北监测井", 35.5, (112.378, 24.787)),
    ("MW02", "城南监测井", 12.0, (112.382, 24.771)),
]


def _well_model():
    class MonitoringWell(LayerFeature, InTown):  # as every layer model: code, name, timestamps
        depth_m = models.FloatField(null=True, blank=True)
        geom = models.PointField(srid=4326)

        class Meta(LayerFeature.Meta):
            app_label = "layers"
            db_table = "layers_monitoringwell_test"

    return MonitoringWell


@pytest.fixture
def wells(settings, tmp_path):
    """The layer: its model (table and trigger in this test's transaction), spec and style."""
    model = _well_model()
    with connection.schema_editor() as editor:
        editor.create_model(model)
    install_version_trigger(connection, model._meta.db_table, SLUG)
    styles = tmp_path / "styles"
    shutil.copytree(styles_dir(), styles)
    (styles / f"{SLUG}.json").write_text(
        json.dumps(
            {
                "slug": SLUG,
                "title_zh": "监测井",
                "title_en": "Monitoring wells",
                "geometry": "Point",
                "label_field": "name",
                "stroke_color": "#08306b",
                "stroke_width": 1,
                "fill_color": "#4292c6",
                "fill_opacity": 0.9,
                "radius": 5,
                "rules": [],
                "legend": [
                    {"label_zh": "监测井", "label_en": "Well", "swatch": {"fill_color": "#4292c6"}}
                ],
            }
        )
    )
    settings.STYLES_DIR = styles
    spec = LayerSpec(
        SLUG,
        model,
        "Monitoring wells",
        "Point",
        (Attr("code", required=True), Attr("name"), Attr("depth_m", "float", min_value=0)),
        order=95,
        tile=TileSpec(min_zoom=10, columns=("name", "depth_m")),
        properties={"town_code": "town__code"},
        memberships=(("town_id", "towns"),),
    )
    layer_register(spec)
    yield spec
    layer_unregister(SLUG)
    del apps.all_models["layers"]["monitoringwell"]
    apps.clear_cache()


def _version() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT version FROM layers_layerversion WHERE key = %s", [SLUG])
        row = cur.fetchone()
    return row[0] if row else 0


def test_a_layer_from_one_spec_works_everywhere(wells, admin_client, tmp_path):
    # import (the same service as the command and the demo loader)
    path = write_layer(
        tmp_path / "wells.geojson",
        [shapely.Point(xy) for *_rest, xy in WELLS],
        {
            "code": [w[0] for w in WELLS],
            "name": [w[1] for w in WELLS],
            "depth_m": [w[2] for w in WELLS],
        },
    )
    report = layer_import(slug=SLUG, path=path)
    assert report.created == 2 and wells.model.objects.count() == 2
    assert _version() >= 1  # the database's trigger, not the import, bumped it

    # the layer list, the features
    listed = {lay["slug"]: lay for lay in admin_client.get("/api/v1/layers/").json()["layers"]}
    assert listed[SLUG]["count"] == 2
    page = admin_client.get(f"/api/v1/layers/{SLUG}/features/?properties=all").json()
    props = {f["properties"]["code"]: f["properties"] for f in page["features"]}
    assert props["MW01"]["name"] == "城北监测井" and props["MW01"]["depth_m"] == 35.5
    assert props["MW01"]["town_code"]  # the derived town (membership, from the spec)

    # a vector tile holding both wells
    lon, lat = WELLS[0][3]
    x, y = lonlat_to_tile(lon, lat, 12)
    tile = admin_client.get(f"/tiles/{SLUG}/12/{x}/{y}.pbf")
    assert tile.status_code == 200
    features = mapbox_vector_tile.decode(tile.content)[SLUG]["features"]
    assert sorted(f["properties"]["code"] for f in features) == ["MW01", "MW02"]
    assert {f["properties"]["depth_m"] for f in features} == {35.5, 12.0}

    # the map page's configuration, from the spec
    page = admin_client.get("/map/")
    config = page.context["map_config"]
    layer = next(lay for lay in config["layers"] if lay["slug"] == SLUG)
    assert layer["tiled"] is True and layer["min_zoom"] == 10 and layer["default_on"] is True
    assert config["styleUrls"][SLUG].endswith(f"styles/{SLUG}.json")

    # the style file passes the registry's system check (one valid file per layer)
    problems = [e.msg for e in checks.run_checks(tags=["styles"]) if e.level >= checks.ERROR]
    assert problems == []

    # export, and the file reads back with the same features
    out = tmp_path / "wells.gpkg"
    layer_export(slug=SLUG, path=out)
    meta, _fids, geometry, fields = pyogrio.raw.read(out)
    columns = dict(zip(meta["fields"], fields, strict=True))
    assert sorted(columns["code"]) == ["MW01", "MW02"]
    assert sorted(columns["depth_m"]) == [12.0, 35.5] and len(geometry) == 2


def test_the_layer_is_gone_when_unregistered():
    assert SLUG not in LAYERS
