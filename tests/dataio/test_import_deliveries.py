"""Files as deliveries come (issue 18): a CSV with WKT or lon/lat columns (our own CSV export
imports back unchanged, formula quotes included), KML, Chinese column names and values
(管径 DN200, 材质 球墨铸铁管, 状态 在用), a source's own mapping file, multi-part lines split."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import call_command
from shapely.geometry import LineString, MultiLineString

from dataio.importing import ImportFailed
from dataio.importing.layer_import import layer_import
from layers.models import SewagePlant
from network.models import PipeSegment
from tests.helpers import tables_fingerprint, write_layer

pytestmark = pytest.mark.django_db
# Free of pipes, inside the county (east of Lianzhou town).
A, B, C = (112.45, 24.80), (112.451, 24.80), (112.451, 24.801)


class CsvTests:
    def test_our_own_csv_export_imports_back_unchanged(self, tmp_path):
        """Every sewage plant exported to CSV (WKT) and re-imported: 10 rows, none created or
        updated — a name that looks like a formula included (exported as "'=…")."""
        SewagePlant.objects.filter(code="SP01").update(name='=HYPERLINK("x")')
        path = tmp_path / "plants.csv"
        call_command("export_layer", "sewage-plants", str(path), verbosity=0)
        assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig")
        before = tables_fingerprint()
        report = layer_import(slug="sewage-plants", path=path)
        assert (report.rows, report.created, report.updated) == (10, 0, 0)
        assert tables_fingerprint() == before

    def test_lon_lat_columns_in_gbk(self, tmp_path):
        """A plant given by 经度/纬度 columns in a GBK CSV (as Excel in China saves it)."""
        path = tmp_path / "新厂.csv"
        with path.open("w", encoding="gbk", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["编码", "名称", "设计规模", "effluent_grade", "经度", "纬度"])
            writer.writerow(["T-CSV-1", "测试污水厂", "500", "1A", "112.40", "24.79"])
        report = layer_import(slug="sewage-plants", path=path, encoding="GBK")
        assert report.created == 1
        plant = SewagePlant.objects.get(code="T-CSV-1")
        assert plant.name == "测试污水厂" and plant.design_capacity_m3d == 500
        assert (round(plant.geom.x, 6), round(plant.geom.y, 6)) == (112.4, 24.79)
        assert any("编码 → code" in n for n in report.notes)


class KmlTests:
    def test_a_kml_placemark_with_extended_data(self, tmp_path):
        path = tmp_path / "plant.kml"
        path.write_text(
            """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>plants</name>
<Placemark><name>KML测试厂</name>
<ExtendedData><Data name="code"><value>T-KML-1</value></Data>
<Data name="design_capacity_m3d"><value>800</value></Data>
<Data name="effluent_grade"><value>1A</value></Data></ExtendedData>
<Point><coordinates>112.41,24.785</coordinates></Point></Placemark>
</Folder></Document></kml>""",
            encoding="utf-8",
        )
        report = layer_import(slug="sewage-plants", path=path)
        assert report.created == 1
        assert SewagePlant.objects.get(code="T-KML-1").design_capacity_m3d == 800


class ChineseNamesTests:
    def test_chinese_columns_and_values(self, tmp_path):
        """编号/管径/材质/状态 with DN200, 球墨铸铁管, 在用 → code, 200 mm, ductile iron, in
        service; the report's notes say how each was read."""
        path = write_layer(
            tmp_path / "管线.gpkg",
            [LineString([A, B])],
            {"编号": ["T-ZH-1"], "管径": ["DN200"], "材质": ["球墨铸铁管"], "状态": ["在用"]},
        )
        report = layer_import(slug="pipes", path=path)
        pipe = PipeSegment.objects.get(code="T-ZH-1")
        assert (pipe.diameter_mm, pipe.material, pipe.status) == (200, "ductile_iron", "in_service")
        assert any("管径 → diameter_mm" in n for n in report.notes)
        assert any("DN100 → 100" in n for n in report.notes)

    def test_a_sources_own_mapping_file(self, tmp_path):
        path = write_layer(
            tmp_path / "pipes.gpkg",
            [LineString([A, B])],
            {"BH": ["T-MAP-1"], "GJ": [150], "CZ": ["QT"]},
        )
        mapping = tmp_path / "surveyor.json"
        mapping.write_text(
            json.dumps(
                {"columns": {"BH": "code", "GJ": "diameter_mm", "CZ": "material"},
                 "values": {"material": {"QT": "ductile_iron"}}}
            ),
            encoding="utf-8",
        )  # fmt: skip
        layer_import(slug="pipes", path=path, mapping=mapping)
        pipe = PipeSegment.objects.get(code="T-MAP-1")
        assert (pipe.diameter_mm, pipe.material) == (150, "ductile_iron")

    def test_a_wrong_mapping_file_is_refused_with_nothing_written(self, tmp_path):
        path = write_layer(tmp_path / "p.gpkg", [LineString([A, B])], {"code": ["T-X"]})
        mapping = tmp_path / "m.json"
        mapping.write_text(json.dumps({"columns": {"GJ": "diameter"}}), encoding="utf-8")
        before = tables_fingerprint()
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="pipes", path=path, mapping=mapping)
        assert "unknown attributes: diameter" in str(caught.value)
        assert tables_fingerprint() == before


class MultipartTests:
    def test_a_two_part_line_becomes_two_pipes(self, tmp_path):
        """One MultiLineString row coded T-MP with two parts A–B and B–C: pipes T-MP-1 and
        T-MP-2 with the row's diameter and material, joined at B by one node."""
        path = write_layer(
            tmp_path / "mp.gpkg",
            [MultiLineString([[A, B], [B, C]])],
            {"code": ["T-MP"], "diameter_mm": [110], "material": ["PE"]},
        )
        report = layer_import(slug="pipes", path=path)
        assert report.created == 2
        one, two = PipeSegment.objects.filter(code__startswith="T-MP-").order_by("code")
        assert (one.code, two.code) == ("T-MP-1", "T-MP-2")
        assert one.diameter_mm == two.diameter_mm == 110
        assert one.end_node_id == two.start_node_id
        assert any("split into one feature per part: 1" in n for n in report.notes)
