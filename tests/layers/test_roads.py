"""The major roads layer (context, no rule judges it) and its labels among the place names.

The test database holds the demo county, with the demo's seven roads (demo/roads.py).
"""

from __future__ import annotations

import pyogrio.raw
import pytest
import shapely
from django.db import IntegrityError, connection, transaction
from shapely.geometry import LineString

from dataio.exporting import layer_export
from dataio.importing.errors import ImportFailed
from dataio.importing.layer_import import layer_import
from layers.models import Road
from layers.place_names import KINDS, ROAD_CLEAR_DEG, place_names
from layers.registry import LAYERS
from tests.helpers import write_layer

pytestmark = pytest.mark.django_db
# Two lines inside the county, east of 连州镇 (synthetic).
LINES = [
    LineString([(112.45, 24.80), (112.50, 24.82)]),
    LineString([(112.46, 24.70), (112.48, 24.72)]),
]


def _version(key: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT version FROM layers_layerversion WHERE key = %s", [key])
        row = cur.fetchone()
    return row[0] if row else 0


def _road_labels() -> dict[str, dict]:
    return {n["name"]: n for n in place_names() if n["kind"] == "road"}


class RoadLayerTests:
    def test_registered_once_listed_and_served(self, admin_client):
        """The spec puts the layer everywhere: the layer list (7 demo roads, lines), the
        features with their grade, and a context layer: no indicator judges it."""
        spec = LAYERS["roads"]
        assert spec.model is Road and spec.geometry_type == "LineString" and spec.default_on
        assert list(LAYERS).index("roads") < list(LAYERS).index("water-function-zones")
        listed = {lay["slug"]: lay for lay in admin_client.get("/api/v1/layers/").json()["layers"]}
        assert listed["roads"]["count"] == 7
        page = admin_client.get("/api/v1/layers/roads/features/").json()
        props = {f["properties"]["code"]: f["properties"] for f in page["features"]}
        assert props["G55"]["name"] == "二广高速" and props["G55"]["grade"] == "expressway"
        assert props["G323"]["grade"] == "national"
        assert all(f["geometry"]["type"] == "LineString" for f in page["features"])
        assert props["G55"]["compliance"] == {"status": "no_data"}  # judged by no rule
        full = admin_client.get("/api/v1/layers/roads/features/?properties=all").json()
        assert all(f["properties"]["compliance"]["results"] == [] for f in full["features"])
        indicators = admin_client.get("/api/v1/compliance/indicators/").json()["results"]
        assert "roads" not in {i["layer"] for i in indicators}

    def test_the_map_offers_it_on_by_default_with_its_style(self, admin_client):
        config = admin_client.get("/map/").context["map_config"]
        layer = next(lay for lay in config["layers"] if lay["slug"] == "roads")
        assert layer["default_on"] is True and layer["tiled"] is False
        assert config["styleUrls"]["roads"].endswith("styles/roads.json")

    def test_import_writes_bumps_the_version_and_exports(self, tmp_path):
        """Two roads imported through the import service (as load_demo does): created, the
        data version 'roads' bumped by the database, and an export reads back the same."""
        before = _version("roads")
        path = write_layer(
            tmp_path / "roads.geojson",
            LINES,
            {"code": ["X901", "X902"], "name": ["县道X901", "县道X902"], "grade": ["county"] * 2},
        )
        report = layer_import(slug="roads", path=path)
        assert report.created == 2
        assert _version("roads") > before
        assert layer_import(slug="roads", path=path).created == 0  # codes are natural keys
        out = tmp_path / "roads.gpkg"
        layer_export(slug="roads", path=out)
        meta, _fids, geometry, fields = pyogrio.raw.read(out)
        columns = dict(zip(meta["fields"], fields, strict=True))
        assert {"X901", "X902", "G55"} <= set(columns["code"])
        assert len(geometry) == 9

    def test_import_refuses_an_unknown_grade_and_writes_nothing(self, tmp_path):
        path = write_layer(
            tmp_path / "roads.geojson",
            LINES,
            {"code": ["X901", "X902"], "name": ["甲路", "乙路"], "grade": ["county", "highway"]},
        )
        with pytest.raises(ImportFailed) as refused:
            layer_import(slug="roads", path=path)
        assert [(e.row, e.column) for e in refused.value.errors] == [(2, "grade")]
        assert not Road.objects.filter(code__in=["X901", "X902"]).exists()

    def test_the_database_refuses_an_unknown_grade(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Road.objects.create(code="X999", name="某路", grade="highway", geom=LINES[0].wkt)


class RoadLabelTests:
    def test_one_label_per_road_from_zoom_11_below_towns_and_rivers(self):
        """Every demo road has one label, shown from zoom 11 with priority 4 (towns 1, rivers
        2): where a road's name would cover a town's, the town keeps the place."""
        labels = _road_labels()
        assert set(labels) == set(Road.objects.values_list("name", flat=True))
        for label in labels.values():
            assert label["min_zoom"] == 11 and label["priority"] == 4
        assert KINDS["road"][1] > KINDS["town"][1] and KINDS["road"][1] > KINDS["river"][1]
        names = place_names()
        kinds = [n["kind"] for n in names]
        assert kinds.index("road") > max(i for i, k in enumerate(kinds) if k == "river")

    def test_expressways_first_and_numbers_only_where_the_name_lacks_them(self):
        labels = [n for n in place_names() if n["kind"] == "road"]
        grades = [n["grade"] for n in labels]
        assert grades == sorted(
            grades, key=["expressway", "national", "provincial", "county"].index
        )
        by_name = {n["name"]: n for n in labels}
        assert by_name["二广高速"]["number"] == "G55"
        assert by_name["国道G323"]["number"] == ""  # the name says it already
        assert by_name["县道X801"]["number"] == ""

    def test_label_on_the_longest_piece_at_its_middle_when_clear_of_towns(self):
        """A road in two pieces (codes T1-1, T1-2, one name) far from every town: the label
        goes on the longer piece T1-1, (113.0, 24.0)–(113.2, 24.0), at its middle, 113.1°E
        on 24.0°N (within the 1e-6° rounding), and shows the number T1."""
        Road.objects.create(
            code="T1-1", name="测试高速", grade="expressway", geom="LINESTRING(113 24, 113.2 24)"
        )
        Road.objects.create(
            code="T1-2",
            name="测试高速",
            grade="expressway",
            geom="LINESTRING(113 24.1, 113.05 24.1)",
        )
        label = _road_labels()["测试高速"]
        assert (label["lon"], label["lat"]) == (113.1, 24.0)
        assert label["number"] == "T1"

    def test_label_moves_off_a_town_name(self):
        """A road centred on 连州镇's name, running 0.1° each way east–west: its middle (0.5)
        and the points at 0.4 and 0.6 lie 0 and 0.02° from the town's name, closer than
        ROAD_CLEAR_DEG (0.025°); the point at 0.3, 0.04° west of it, is clear and takes the
        label (no other town's name lies within 0.025° of it)."""
        town = next(n for n in place_names() if n["name"] == "连州镇")
        x, y = town["lon"], town["lat"]
        Road.objects.create(
            code="T2",
            name="测试路",
            grade="county",
            geom=f"LINESTRING({x - 0.1} {y}, {x + 0.1} {y})",
        )
        assert ROAD_CLEAR_DEG == 0.025
        label = _road_labels()["测试路"]
        assert label["lon"] == pytest.approx(x - 0.04, abs=1e-6)
        assert label["lat"] == pytest.approx(y, abs=1e-6)
        others = [n for n in place_names() if n["kind"] == "town"]
        near = shapely.Point(label["lon"], label["lat"])
        assert min(near.distance(shapely.Point(n["lon"], n["lat"])) for n in others) >= 0.025
