"""Hostile import files: each refused (the command fails with a reason) and nothing stored.

Already proved elsewhere (not repeated): a `../` member (tests/dataio/test_import_layer.py::
ShapefileTests::test_unsafe_zip_member_refused), a non-UTF-8 CSV (tests/layers/
test_import_records.py::CsvTests::test_not_utf8), a CRS outside the allow-list
(tests/dataio/test_import_layer.py::BadRowTests unknown_srid, tests/rasters/test_rasters.py).
"""

from __future__ import annotations

import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import Point

from tests.helpers import tables_fingerprint, write_layer

pytestmark = pytest.mark.django_db


def refused(capsys, *args) -> str:
    before = tables_fingerprint()
    with pytest.raises(CommandError):
        call_command(*[str(a) for a in args], verbosity=0)
    assert tables_fingerprint() == before
    return capsys.readouterr().err


def test_zip_bomb_member_refused(tmp_path, capsys):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("plants.shp", b"\0" * (50 * 1024 * 1024))  # 50 MB of zeros → ~50 kB
    assert path.stat().st_size < 1024 * 1024
    assert "zip bomb" in refused(capsys, "import_layer", "sewage-plants", path)


def test_zip_expanding_beyond_the_limit_refused(tmp_path, capsys, settings):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 1000
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plants.shp", b"x" * 2000)
    assert "zip expands to" in refused(capsys, "import_layer", "sewage-plants", path)


@pytest.mark.parametrize(
    "member", ["../evil.shp", "/etc/evil.shp", "a/../../evil.shp", "a\\..\\e.shp"]
)
def test_unsafe_member_names_refused(tmp_path, capsys, member):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, b"x")
    assert "unsafe path" in refused(capsys, "import_layer", "sewage-plants", path)
    assert not (tmp_path.parent / "evil.shp").exists()


def test_hundred_megabyte_csv_refused_before_reading(tmp_path, capsys):
    path = tmp_path / "consumption.csv"
    with open(path, "wb") as out:  # sparse: 100 MB on paper, nothing on disk
        out.write(b"user_code,month,volume_m3,metered\n")
        out.truncate(100 * 1024 * 1024)
    err = refused(capsys, "import_records", "consumption", path)
    assert "more than the limit" in err


def test_gbk_csv_refused(tmp_path, capsys):
    path = tmp_path / "consumption.csv"
    path.write_bytes("user_code,month,volume_m3,metered\n用户,2030-01,1,true\n".encode("gbk"))
    assert "UTF-8" in refused(capsys, "import_records", "consumption", path)


@pytest.mark.parametrize(
    "crs",
    [
        "+proj=longlat +ellps=WGS84 +nadgrids=/etc/passwd",
        'GEOGCS["evil",DATUM["x",SPHEROID["y",6378137,298.257]],PRIMEM["G",0],UNIT["d",0.0174]]',
    ],
)
def test_a_spatial_reference_that_is_no_allow_listed_epsg_code_is_refused(tmp_path, capsys, crs):
    path = write_layer(
        tmp_path / "plants.geojson",
        [Point(112.381, 24.781)],
        {
            "code": ["H-1"],
            "name": ["x"],
            "design_capacity_m3d": [1.0],
            "effluent_grade": ["1A"],
            "built_on": ["2005-06-01"],
            "status": ["operating"],
        },
        crs="EPSG:4326",
    )
    data = json.loads(path.read_text())
    data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data))
    refused(capsys, "import_layer", "sewage-plants", path)
