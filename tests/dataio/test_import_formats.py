"""Formats as deliveries come (issue 18): a zipped ESRI File Geodatabase and a zipped MapInfo
table are read (GDAL's OpenFileGDB and MapInfo drivers); what is refused says why — 7z and RAR
archives, a Shapefile without its .dbf or .shx, a GeoJSON whose crs member names a foreign
system, a zip of two layers. Features lie east of Lianzhou town, in EPSG:4546."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from dataio.importing import ImportFailed
from dataio.importing.layer_import import layer_import
from network.models import PipeNode
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db
X0, Y0 = Transformer.from_crs(4326, 4546, always_xy=True).transform(112.46, 24.805)


def nodes_file(folder: Path, name: str, driver: str, **options) -> Path:
    """Two nodes (a valve written 闸阀, a hydrant) in EPSG:4546, in a file of `driver`."""
    folder.mkdir(parents=True, exist_ok=True)
    geoms = np.array([shapely.to_wkb(shapely.Point(X0 + d, Y0)) for d in (0.0, 30.0)], dtype=object)
    columns = [
        np.array(["GDB-N1", "GDB-N2"], dtype=object),
        np.array(["闸阀", "消火栓"], dtype=object),
    ]
    path = folder / name
    pyogrio.raw.write(
        path, geoms, columns, fields=["code", "kind"], geometry_type="Point", crs="EPSG:4546",
        driver=driver, layer="nodes", **options,
    )  # fmt: skip
    return path


def zipped(folder: Path, target: Path) -> Path:
    """Every file under `folder` in a zip, with its path relative to the folder."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder).as_posix())
    return target


class AcceptedTests:
    def test_a_zipped_file_geodatabase(self, tmp_path):
        nodes_file(tmp_path / "src", "管网.gdb", "OpenFileGDB")
        path = zipped(tmp_path / "src", tmp_path / "管网.gdb.zip")
        report = layer_import(slug="pipe-nodes", path=path)
        assert report.created == 2
        kinds = dict(PipeNode.objects.filter(code__startswith="GDB-").values_list("code", "kind"))
        assert kinds == {"GDB-N1": "valve", "GDB-N2": "hydrant"}

    def test_a_zipped_mapinfo_table(self, tmp_path):
        """A table whose header says "!charset Neutral" (its text is GBK) and whose coordinate
        system GDAL reads as a nameless Transverse Mercator (CM 111°E): refused until the
        encoding and EPSG code are given, then read."""
        nodes_file(tmp_path / "src", "nodes.tab", "MapInfo File", encoding="CP936")
        path = zipped(tmp_path / "src", tmp_path / "nodes.zip")
        with pytest.raises(ImportFailed, match="text is not UTF-8: give its encoding"):
            layer_import(slug="pipe-nodes", path=path, srid=4546)
        with pytest.raises(ImportFailed, match="coordinate"):
            layer_import(slug="pipe-nodes", path=path, encoding="GBK")
        report = layer_import(slug="pipe-nodes", path=path, srid=4546, encoding="GBK")
        assert report.created == 2
        kinds = dict(PipeNode.objects.filter(code__startswith="GDB-").values_list("code", "kind"))
        assert kinds == {"GDB-N1": "valve", "GDB-N2": "hydrant"}


class RefusedTests:
    @pytest.mark.parametrize("name", ["管网.7z", "管网.rar"])
    def test_7z_and_rar_archives(self, tmp_path, name):
        path = tmp_path / name
        path.write_bytes(b"Rar!\x1a\x07\x00" + b"\0" * 64)
        with pytest.raises(ImportFailed, match="unsupported file type"):
            layer_import(slug="pipe-nodes", path=path)

    @pytest.mark.parametrize("missing", [".dbf", ".shx"])
    def test_a_shapefile_without_its_dbf_or_shx(self, tmp_path, missing):
        nodes_file(tmp_path / "src", "nodes.shp", "ESRI Shapefile", encoding="UTF-8")
        (tmp_path / "src" / f"nodes{missing}").unlink()
        path = zipped(tmp_path / "src", tmp_path / "nodes.zip")
        before = tables_fingerprint()
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="pipe-nodes", path=path)
        assert ".dbf" in str(caught.value) or "cannot read the file" in str(caught.value)
        assert tables_fingerprint() == before

    def test_a_geojson_with_a_foreign_crs_member(self, tmp_path):
        lon, lat = 112.46, 24.805
        path = tmp_path / "nodes.geojson"
        path.write_text(json.dumps({
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
            "features": [{"type": "Feature", "properties": {"code": "GJ-1", "kind": "valve"},
                          "geometry": {"type": "Point", "coordinates": [lon, lat]}}],
        }), encoding="utf-8")  # fmt: skip
        with pytest.raises(ImportFailed, match="2154"):
            layer_import(slug="pipe-nodes", path=path)

    def test_a_zip_of_a_shapefile_and_a_geodatabase(self, tmp_path):
        nodes_file(tmp_path / "src", "a.gdb", "OpenFileGDB")
        nodes_file(tmp_path / "src", "b.shp", "ESRI Shapefile", encoding="UTF-8")
        path = zipped(tmp_path / "src", tmp_path / "two.zip")
        with pytest.raises(ImportFailed, match="it holds 2"):
            layer_import(slug="pipe-nodes", path=path)
