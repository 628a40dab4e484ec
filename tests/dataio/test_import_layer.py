"""import_layer: bad rows reported and nothing written; good files import; re-import is a no-op."""

import zipfile

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import LineString, Point, Polygon

from dataio.importing import ImportFailed
from dataio.importing.layer_import import layer_import
from layers.geometry import reproject
from layers.models import SewagePlant, WaterFunctionZone
from network.models import PipeNode, PipeSegment
from network.services.rules import NetworkError, pipe_attrs_clean
from tests.helpers import tables_fingerprint, write_layer

pytestmark = pytest.mark.django_db

# Three synthetic plants near Lianzhou town (112.38E 24.78N).
PLANT_POINTS = [Point(112.381, 24.781), Point(112.392, 24.772), Point(112.401, 24.790)]


def plants_fields(**overrides):
    fields = {
        "code": ["T-SP-1", "T-SP-2", "T-SP-3"],
        "name": ["测试厂一", "测试厂二", "测试厂三"],
        "design_capacity_m3d": [5000.0, 2000.0, 800.0],
        "effluent_grade": ["1A", "1B", "2"],
        "built_on": ["2005-06-01", "2006-01-01", "2019-03-15"],
        "status": ["operating", "operating", "building"],
    }
    fields.update(overrides)
    return fields


def run_import(*args):
    call_command("import_layer", *[str(a) for a in args], verbosity=0)


class BadRowTests:
    @pytest.mark.parametrize(
        "case", ["wrong_type", "missing_column", "unknown_srid", "bad_choice", "negative"]
    )
    def test_refused_and_nothing_written(self, tmp_path, capsys, case):
        fields = plants_fields()
        crs = "EPSG:4326"
        if case == "wrong_type":
            fields["design_capacity_m3d"] = ["5000", "lots", "800"]
        elif case == "missing_column":
            del fields["effluent_grade"]
        elif case == "unknown_srid":
            crs = "EPSG:2154"
        elif case == "bad_choice":
            fields["effluent_grade"] = ["1A", "1B", "3"]
        elif case == "negative":
            fields["design_capacity_m3d"] = [5000.0, -2.0, 800.0]
        path = write_layer(tmp_path / "plants.gpkg", PLANT_POINTS, fields, crs=crs)
        before = tables_fingerprint()
        with pytest.raises(CommandError, match="nothing was written"):
            run_import("sewage-plants", path)
        err = capsys.readouterr().err
        expected = {
            "wrong_type": "row 2, column design_capacity_m3d",
            "missing_column": "column effluent_grade: required column is missing",
            "unknown_srid": "allow-list",
            "bad_choice": "row 3, column effluent_grade",
            "negative": "row 2, column design_capacity_m3d",
        }[case]
        assert expected in err
        assert tables_fingerprint() == before

    def test_invalid_geometry_names_the_row(self, tmp_path, capsys):
        square = Polygon([(112.3, 24.7), (112.31, 24.7), (112.31, 24.71), (112.3, 24.71)])
        bowtie = Polygon([(112.3, 24.7), (112.31, 24.71), (112.31, 24.7), (112.3, 24.71)])
        path = write_layer(
            tmp_path / "wfz.gpkg",
            [square, bowtie],
            {
                "code": ["T-WFZ-1", "T-WFZ-2"],
                "name": ["甲", "乙"],
                "river": ["连江", "连江"],
                "water_body": ["river", "river"],
                "target_class": [2, 3],
            },
        )
        before = tables_fingerprint()
        with pytest.raises(CommandError):
            run_import("water-function-zones", path)
        assert "row 2, column geometry: invalid geometry" in capsys.readouterr().err
        assert tables_fingerprint() == before
        assert not WaterFunctionZone.objects.filter(code="T-WFZ-1").exists()

    def test_every_bad_row_is_reported(self, tmp_path, capsys):
        fields = plants_fields(
            design_capacity_m3d=["x", "y", "800"], effluent_grade=["9", "1B", "2"]
        )
        path = write_layer(tmp_path / "plants.gpkg", PLANT_POINTS, fields)
        with pytest.raises(CommandError, match="3 problem"):
            run_import("sewage-plants", path)
        err = capsys.readouterr().err
        assert "row 1, column design_capacity_m3d" in err
        assert "row 1, column effluent_grade" in err
        assert "row 2, column design_capacity_m3d" in err

    def test_duplicate_code_refused(self, tmp_path, capsys):
        path = write_layer(
            tmp_path / "plants.gpkg",
            PLANT_POINTS,
            plants_fields(code=["T-SP-1", "T-SP-2", "T-SP-1"]),
        )
        with pytest.raises(CommandError):
            run_import("sewage-plants", path)
        assert "row 3, column code: duplicate code 'T-SP-1' (also row 1)" in capsys.readouterr().err

    def test_malformed_file(self, tmp_path, capsys):
        path = tmp_path / "broken.gpkg"
        path.write_bytes(b"SQLite format 3\x00" + b"\x00garbage" * 100)
        before = tables_fingerprint()
        with pytest.raises(CommandError):
            run_import("sewage-plants", path)
        assert "cannot read the file" in capsys.readouterr().err
        assert tables_fingerprint() == before


class GoodFileTests:
    def test_fixed_file_imports_then_reimport_changes_nothing(self, tmp_path):
        path = write_layer(tmp_path / "plants.gpkg", PLANT_POINTS, plants_fields())
        run_import("sewage-plants", path)
        plant = SewagePlant.objects.get(code="T-SP-1")
        assert plant.design_capacity_m3d == 5000.0 and plant.effluent_grade == "1A"
        assert plant.town is not None and plant.town.name == "连州镇"
        after_first = tables_fingerprint()
        run_import("sewage-plants", path)
        assert tables_fingerprint() == after_first

    def test_dry_run_writes_nothing(self, tmp_path, capsys):
        path = write_layer(tmp_path / "plants.gpkg", PLANT_POINTS, plants_fields())
        before = tables_fingerprint()
        call_command("import_layer", "sewage-plants", str(path), "--dry-run")
        assert "would create 3" in capsys.readouterr().out
        assert tables_fingerprint() == before

    def test_gauss_kruger_file_lands_in_wgs84(self, tmp_path):
        for srid in (4546, 4525):
            gk = [reproject(p, 4326, srid) for p in PLANT_POINTS]
            path = write_layer(
                tmp_path / f"plants{srid}.gpkg", gk, plants_fields(), crs=f"EPSG:{srid}"
            )
            run_import("sewage-plants", path)
            stored = SewagePlant.objects.get(code="T-SP-2").geom
            assert stored.x == pytest.approx(112.392, abs=1e-8)
            assert stored.y == pytest.approx(24.772, abs=1e-8)

    def test_gcj02_converted_on_request(self, tmp_path):
        from layers.geometry import wgs84_to_gcj02

        shifted = [wgs84_to_gcj02(p) for p in PLANT_POINTS]
        path = write_layer(tmp_path / "plants.geojson", shifted, plants_fields())
        call_command("import_layer", "sewage-plants", str(path), "--gcj02", verbosity=0)
        stored = SewagePlant.objects.get(code="T-SP-1").geom
        metres = ((stored.x - 112.381) * 101_000, (stored.y - 24.781) * 110_600)
        assert max(abs(v) for v in metres) < 0.5


class ShapefileTests:
    def _zip(self, tmp_path, encoding, with_cpg=True, name="plants.zip"):
        shp_dir = tmp_path / "shp"
        shp_dir.mkdir(exist_ok=True)
        write_layer(
            shp_dir / "plants.shp",
            PLANT_POINTS,
            plants_fields(),
            driver="ESRI Shapefile",
            encoding=encoding,
            crs="EPSG:4326",
        )
        if not with_cpg:
            (shp_dir / "plants.cpg").unlink(missing_ok=True)
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            for part in shp_dir.iterdir():
                archive.write(part, part.name)
        return path

    def test_gbk_with_cpg_and_cut_field_names(self, tmp_path, capsys):
        path = self._zip(tmp_path, "GBK")
        call_command("import_layer", "sewage-plants", str(path))
        out = capsys.readouterr().out
        assert "design_cap → design_capacity_m3d" in out
        assert SewagePlant.objects.get(code="T-SP-2").name == "测试厂二"

    def test_gbk_without_cpg_needs_encoding(self, tmp_path, capsys):
        path = self._zip(tmp_path, "GBK", with_cpg=False)
        before = tables_fingerprint()
        with pytest.raises(CommandError):
            run_import("sewage-plants", path)
        assert "--encoding" in capsys.readouterr().err
        assert tables_fingerprint() == before
        run_import("sewage-plants", path, "--encoding", "GBK")
        assert SewagePlant.objects.get(code="T-SP-3").name == "测试厂三"

    def test_unsafe_zip_member_refused(self, tmp_path, capsys):
        path = tmp_path / "evil.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("../evil.shp", b"x")
        with pytest.raises(CommandError):
            run_import("sewage-plants", path)
        assert "unsafe path" in capsys.readouterr().err


class PipeTopologyImportTests:
    def test_pipe_ends_bind_to_nodes_within_tolerance(self, tmp_path):
        # Two nodes 200 m apart east of Lianzhou town; one pipe end 0.3 m off the first node.
        a, b = Point(112.45, 24.80), Point(112.452, 24.80)
        write_layer(
            tmp_path / "nodes.gpkg",
            [a, b],
            {"code": ["T-N-A", "T-N-B"], "kind": ["valve", "hydrant"]},
        )
        run_import("pipe-nodes", tmp_path / "nodes.gpkg")
        off = Point(112.45 + 0.3 / 101_000, 24.80)
        far = Point(112.454, 24.80)
        write_layer(
            tmp_path / "pipes.gpkg",
            [LineString([off, b]), LineString([b, far])],
            {
                "code": ["T-P-1", "T-P-2"],
                "diameter_mm": [100, 100],
                "material": ["PE", "PE"],
                "install_year": [2020, 2021],
                "status": ["in_service", "in_service"],
            },
        )
        nodes_before = PipeNode.objects.count()
        run_import("pipes", tmp_path / "pipes.gpkg")
        p1 = PipeSegment.objects.get(code="T-P-1")
        p2 = PipeSegment.objects.get(code="T-P-2")
        assert p1.start_node.code == "T-N-A" and p1.end_node.code == "T-N-B"
        assert p2.start_node.code == "T-N-B"
        assert PipeNode.objects.count() == nodes_before + 1  # a junction for the loose end
        assert p1.geom.coords[0] == pytest.approx((112.45, 24.80))  # snapped onto the node
        expected = shapely.LineString([(112.45, 24.80), (112.452, 24.80)])
        assert p1.length_m == pytest.approx(reproject(expected, 4326, 4546).length, rel=2e-3)


class OneDiameterRuleTests:
    """The import refuses what the editor refuses: one rule (network.services.rules.
    DIAMETER_ATTR) for a pipe's diameter: whole, 1–4000 mm, on a nominal series."""

    def test_a_diameter_off_every_nominal_series_is_a_row_error_and_nothing_is_stored(
        self, tmp_path
    ):
        write_layer(
            tmp_path / "pipes.gpkg",
            [LineString([(112.45, 24.80), (112.451, 24.80)])] * 2,
            {
                "code": ["T-DN-1", "T-DN-2"],
                "diameter_mm": [100, 123],
                "material": ["PE", "PE"],
                "install_year": [2020, 2020],
                "status": ["in_service", "in_service"],
            },
        )
        before = tables_fingerprint()
        with pytest.raises(ImportFailed) as refused:
            layer_import(slug="pipes", path=tmp_path / "pipes.gpkg")
        assert [(e.row, e.column) for e in refused.value.errors] == [(2, "diameter_mm")]
        assert "DN 123" in refused.value.errors[0].reason
        assert tables_fingerprint() == before

    def test_the_editor_api_gives_the_same_verdict(self):
        with pytest.raises(NetworkError) as refused:
            pipe_attrs_clean({"diameter_mm": 123}, partial=True)
        assert refused.value.problem == "diameter_mm_implausible"
        assert pipe_attrs_clean({"diameter_mm": 100}, partial=True) == {"diameter_mm": 100}
