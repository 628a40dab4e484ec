"""CAD deliveries (issue 18): a design institute's DXF network drawing read through GDAL's DXF
driver by a mapping of its CAD layers — pipes from LINE/LWPOLYLINE (bulges)/3D POLYLINE on
`给水管-DN200` and `WS_PIPE`, diameters from the layer name or a label, valves and hydrants
from blocks with attributes, zones from closed polylines; hatches, dimensions and text are
reported as skipped; no coordinate system → refused with the one that fits; DWG refused.
Drawings are written with ezdxf in the test, in EPSG:4546 (CGCS2000 GK CM 111°E) east of
Lianzhou town, with and without the zone prefix 37."""

from __future__ import annotations

from pathlib import Path

import ezdxf
import pytest
import shapely
from django.core.management import CommandError, call_command
from pyproj import Transformer

from dataio.importing import ImportFailed
from dataio.importing.layer_import import layer_import
from network.models import PipeNode, PipeSegment
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db
# Free of pipes, inside the county (east of Lianzhou town), in EPSG:4546 metres.
X0, Y0 = Transformer.from_crs(4326, 4546, always_xy=True).transform(112.45, 24.80)
ZONE_PREFIX = 37_000_000  # EPSG:4525 eastings carry the zone number 37

DESIGN_INSTITUTE = {
    "cad": {
        "pipes": {
            "layers": ["给水管-*", "WS_PIPE"],
            "extract": {
                "diameter_mm": [["layer", r"DN(\d+)"], ["text", r"DN(\d+)"]],
                "material": ["text", "(球墨铸铁管|PE管|钢管)"],
            },
            "labels": {"layers": ["管线标注"], "within_m": 5},
            "defaults": {"material": "PE"},
            "code_prefix": "SJY-",
        },
        "pipe-nodes": {"layers": ["阀门", "消火栓"], "blocks": {"FM": "valve", "XHS": "hydrant"}},
        "supply-zones": {"layers": ["供水分区"], "code_prefix": "SJY-Z"},
    },
    "columns": {"BH": "code"},
    "srid": 4546,
}


def drawing(path: Path, *, prefix: float = 0.0) -> Path:
    """A network drawing (AutoCAD 2010 DXF, UTF-8): 3 pipes, 2 labels, a valve, a hydrant, an
    unknown block, a closed and an open zone outline, a hatch, a dimension, a text on a pipe
    layer and a road."""
    x, y = X0 + prefix, Y0
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    for name in ("给水管-DN200", "WS_PIPE", "管线标注", "阀门", "消火栓", "供水分区", "道路"):
        doc.layers.add(name)
    msp.add_line((x, y), (x + 80, y), dxfattribs={"layer": "给水管-DN200"})
    msp.add_lwpolyline(  # a bulge: an arc GDAL linearises
        [(x + 80, y, 0.4), (x + 140, y + 30), (x + 160, y + 60)],
        format="xyb",
        dxfattribs={"layer": "WS_PIPE"},
    )
    msp.add_polyline3d(  # a 3D polyline, flattened
        [(x, y, 65.2), (x, y - 50, 64.8), (x - 30, y - 90, 64.0)], dxfattribs={"layer": "WS_PIPE"}
    )
    for text, at in (("DN150 球墨铸铁管", (x + 142, y + 31)), ("DN100", (x - 2, y - 25))):
        msp.add_text(text, dxfattribs={"layer": "管线标注", "insert": at})  # labels
    valve = doc.blocks.new("FM")
    valve.add_circle((0, 0), 0.5)
    valve.add_attdef("BH", (0, 0))
    hydrant = doc.blocks.new("XHS")
    hydrant.add_circle((0, 0), 0.8)
    hydrant.add_attdef("BH", (0, 0))
    doc.blocks.new("TREE").add_circle((0, 0), 2)
    msp.add_blockref("FM", (x + 80, y), dxfattribs={"layer": "阀门"}).add_attrib(
        "BH", "FM-CAD-01", (x + 80, y)
    )
    msp.add_blockref("XHS", (x + 40, y + 3), dxfattribs={"layer": "消火栓"}).add_attrib(
        "BH", "XHS-CAD-01", (x + 40, y + 3)
    )
    msp.add_blockref("TREE", (x + 50, y + 10), dxfattribs={"layer": "阀门"})
    msp.add_lwpolyline(  # a closed zone and an open one
        [(x - 50, y - 120), (x + 200, y - 120), (x + 200, y + 100), (x - 50, y + 100)],
        close=True,
        dxfattribs={"layer": "供水分区"},
    )
    msp.add_lwpolyline(
        [(x - 40, y - 110), (x + 20, y - 110), (x + 20, y - 60)], dxfattribs={"layer": "供水分区"}
    )
    hatch = msp.add_hatch(dxfattribs={"layer": "给水管-DN200"})
    hatch.paths.add_polyline_path([(x, y), (x + 5, y), (x + 5, y + 5)])
    msp.add_linear_dim(  # a dimension on a pipe layer (GDAL draws it as lines and text)
        base=(x, y + 6), p1=(x, y), p2=(x + 80, y), dxfattribs={"layer": "WS_PIPE"}
    ).render()
    msp.add_text("说明", dxfattribs={"layer": "WS_PIPE", "insert": (x + 10, y + 20)})
    msp.add_line((x - 20, y + 40), (x + 60, y + 40), dxfattribs={"layer": "道路"})
    doc.saveas(path)
    return path


class DxfPipesTests:
    def test_a_network_drawing_becomes_pipes(self, tmp_path):
        """Three pipes: SJY-<handle> codes; DN200 from the CAD layer name, DN150 and 球墨铸铁管
        from the label beside the bulged polyline, PE by the mapping's default; the bulge
        linearised into many vertices; the 3D polyline flattened; every pipe end bound to a
        new junction. The hatch, the dimension, the text on a pipe layer and the road are
        named in the report as skipped."""
        path = drawing(tmp_path / "设计院管网.dxf")
        report = layer_import(slug="pipes", path=path, mapping=DESIGN_INSTITUTE)
        assert (report.rows, report.created) == (3, 3)
        pipes = {p.code: p for p in PipeSegment.objects.filter(code__startswith="SJY-")}
        assert len(pipes) == 3
        by_diameter = sorted((p.diameter_mm, p.material) for p in pipes.values())
        assert by_diameter == [(100, "PE"), (150, "ductile_iron"), (200, "PE")]
        bulged = next(p for p in pipes.values() if p.diameter_mm == 150)
        assert len(bulged.geom.coords) > 5  # the arc of the bulge, not its 3 vertices
        assert all(not p.geom.hasz for p in pipes.values())
        assert all(p.start_node_id and p.end_node_id for p in pipes.values())
        notes = "\n".join(report.notes)
        assert "DXF drawing: 3 of" in notes
        assert "HATCH, CAD layer 给水管-DN200): skipped: a hatch is a fill pattern" in notes
        assert "DIMENSION, CAD layer WS_PIPE): skipped: a dimension is annotation" in notes
        assert "TEXT, CAD layer WS_PIPE): skipped: text alone has no feature" in notes
        assert "CAD layer 道路: 1 entities skipped: not mapped to pipes" in notes

    def test_importing_the_drawing_again_changes_nothing(self, tmp_path):
        path = drawing(tmp_path / "net.dxf")
        layer_import(slug="pipes", path=path, mapping=DESIGN_INSTITUTE)
        before = tables_fingerprint()
        report = layer_import(slug="pipes", path=path, mapping=DESIGN_INSTITUTE)
        assert (report.created, report.updated) == (0, 0)
        assert tables_fingerprint() == before

    def test_a_dry_run_writes_nothing(self, tmp_path):
        path = drawing(tmp_path / "net.dxf")
        before = tables_fingerprint()
        report = layer_import(slug="pipes", path=path, mapping=DESIGN_INSTITUTE, dry_run=True)
        assert report.created == 3
        assert tables_fingerprint() == before


class DxfEncodingTests:
    def test_an_autocad_2000_drawing_in_gbk(self, tmp_path):
        """Before AutoCAD 2007 a DXF is written in its $DWGCODEPAGE (ANSI_936: GBK, as CAD in
        China saves it): the CAD layer 给水管-DN300 is read as such and gives DN300."""
        doc = ezdxf.new("R2000")
        doc.encoding = "gbk"  # $DWGCODEPAGE ANSI_936
        doc.layers.add("给水管-DN300")
        doc.modelspace().add_line(
            (X0, Y0 - 200), (X0 + 90, Y0 - 200), dxfattribs={"layer": "给水管-DN300"}
        )
        path = tmp_path / "gbk.dxf"
        doc.saveas(path)
        assert "给水管".encode("gbk") in path.read_bytes()
        report = layer_import(slug="pipes", path=path, mapping=DESIGN_INSTITUTE, dry_run=True)
        assert report.created == 1
        assert any("DXF drawing: 1 of 1 entities read into pipes" in n for n in report.notes)


class DxfCrsTests:
    def test_without_a_coordinate_system_it_is_refused_naming_the_one_that_fits(self, tmp_path):
        """A drawing has no .prj: without --srid (or the mapping's srid) it is refused, and the
        refusal names EPSG:4546, under which its coordinates lie in the county."""
        mapping = {k: v for k, v in DESIGN_INSTITUTE.items() if k != "srid"}
        before = tables_fingerprint()
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="pipes", path=drawing(tmp_path / "a.dxf"), mapping=mapping)
        message = str(caught.value)
        assert "carries no coordinate system" in message
        assert "inside the county as EPSG:4546" in message
        assert tables_fingerprint() == before

    def test_zone_prefixed_eastings_name_epsg_4525(self, tmp_path):
        """Eastings with the zone prefix 37: refused without a CRS naming EPSG:4525; read as
        EPSG:4525 the same three pipes are created; read as EPSG:4546 (no prefix) refused."""
        path = drawing(tmp_path / "prefixed.dxf", prefix=ZONE_PREFIX)
        mapping = {k: v for k, v in DESIGN_INSTITUTE.items() if k != "srid"}
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="pipes", path=path, mapping=mapping)
        assert "inside the county as EPSG:4525" in str(caught.value)
        with pytest.raises(ImportFailed):
            layer_import(slug="pipes", path=path, mapping=mapping, srid=4546)
        report = layer_import(slug="pipes", path=path, mapping=mapping, srid=4525)
        assert report.created == 3


class DxfNodesAndZonesTests:
    def test_blocks_become_nodes_by_block_name(self, tmp_path):
        """FM → valve, XHS → hydrant, coded by their BH attribute; the TREE block on a node
        layer is named as skipped."""
        path = drawing(tmp_path / "net.dxf")
        report = layer_import(slug="pipe-nodes", path=path, mapping=DESIGN_INSTITUTE)
        assert report.created == 2
        kinds = dict(
            PipeNode.objects.filter(code__in=["FM-CAD-01", "XHS-CAD-01"]).values_list(
                "code", "kind"
            )
        )
        assert kinds == {"FM-CAD-01": "valve", "XHS-CAD-01": "hydrant"}
        assert any("skipped: the block TREE is not in the mapping" in n for n in report.notes)

    def test_closed_polylines_become_zones_open_ones_are_skipped(self, tmp_path):
        path = drawing(tmp_path / "net.dxf")
        report = layer_import(
            slug="supply-zones", path=path, mapping=DESIGN_INSTITUTE, dry_run=True
        )
        assert report.created == 1
        assert any("skipped: the polyline is not closed" in n for n in report.notes)


class DxfRefusalTests:
    def test_no_cad_rules_for_the_layer_lists_the_drawings_cad_layers(self, tmp_path):
        before = tables_fingerprint()
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="pipes", path=drawing(tmp_path / "a.dxf"), srid=4546)
        message = str(caught.value)
        assert "needs a mapping saying which CAD layers hold pipes" in message
        assert "给水管-DN200 (" in message and "WS_PIPE (" in message
        assert tables_fingerprint() == before

    def test_a_wrong_cad_rule_is_refused(self, tmp_path):
        mapping = {"cad": {"pipes": {"layers": ["WS_PIPE"], "extract": {"diam": ["layer", "("]}}}}
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="pipes", path=drawing(tmp_path / "a.dxf"), mapping=mapping)
        assert "extract: unknown attribute 'diam'" in str(caught.value)

    def test_a_corrupt_dxf_is_refused(self, tmp_path):
        path = tmp_path / "broken.dxf"
        path.write_bytes(b"0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n")
        with pytest.raises(ImportFailed):
            layer_import(slug="pipes", path=path, mapping=DESIGN_INSTITUTE)

    def test_dwg_is_refused_asking_for_dxf(self, tmp_path):
        path = tmp_path / "管网.dwg"
        path.write_bytes(b"AC1032" + b"\0" * 100)
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="pipes", path=path)
        assert "save the drawing as DXF" in str(caught.value)

    def test_the_command_refuses_dwg_with_a_clear_reason(self, tmp_path, capsys):
        path = tmp_path / "管网.dwg"
        path.write_bytes(b"AC1032" + b"\0" * 100)
        with pytest.raises(CommandError):
            call_command("import_layer", "pipes", str(path), verbosity=0)
        assert "DWG drawings cannot be read" in capsys.readouterr().err


def test_drawing_fixture_is_in_the_county():
    """The drawing's first point is where the comment says (112.45E 24.80N)."""
    lon, lat = Transformer.from_crs(4546, 4326, always_xy=True).transform(X0, Y0)
    assert shapely.Point(lon, lat).distance(shapely.Point(112.45, 24.80)) < 1e-9
