"""Downloads from the data page (issue 18): a layer as GeoPackage/Shapefile/GeoJSON/CSV in
WGS 84, CGCS2000 or the county's Gauss-Krüger zone, with each feature's verdict as attributes
(the same verdict the API and the map give), re-importable as it is."""

from __future__ import annotations

import io
import zipfile

import pyogrio
import pytest
import shapely
from django.test import Client

from dataio.importing.layer_import import layer_import
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


@pytest.fixture
def official_client(official):
    client = Client()
    client.force_login(official)
    return client


def download(client, slug: str, tmp_path, **params):
    response = client.get(f"/data/{slug}/export/", params, **HOST)
    assert response.status_code == 200, response.content[:300]
    name = response["Content-Disposition"].split("filename=")[1].strip('"')
    path = tmp_path / name
    path.write_bytes(b"".join(response.streaming_content))
    return path


class LayerDownloadTests:
    def test_towns_in_the_gauss_kruger_zone_with_verdicts(self, official_client, tmp_path):
        """12 towns in EPSG:4546 (eastings 500 km ± the county's width), each with the overall
        verdict the features API gives for 2025."""
        path = download(official_client, "towns", tmp_path, format="gpkg", srid=4546, year=2025)
        assert path.name == "towns-2025-EPSG4546.gpkg"
        meta = pyogrio.read_info(path)
        assert "4546" in meta["crs"] and meta["features"] == 12
        meta, _fids, geoms, data = pyogrio.raw.read(path)
        columns = dict(zip(meta["fields"], data, strict=True))
        assert {"verdict_year", "verdict", "failing"} <= set(columns)
        eastings = [shapely.from_wkb(g).bounds[0] for g in geoms]
        assert all(560_000 < x < 680_000 for x in eastings)
        api = official_client.get(
            "/api/v1/layers/towns/features/", {"year": 2025, "page_size": 100}, **HOST
        ).json()
        expected = {f["properties"]["code"]: f["properties"]["compliance"]["status"]
                    for f in api["features"]}  # fmt: skip
        assert dict(zip(columns["code"], columns["verdict"], strict=True)) == expected
        failing = [f for v, f in zip(columns["verdict"], columns["failing"], strict=True)
                   if v == "non_compliant"]  # fmt: skip
        assert failing and all(failing)

    def test_a_shapefile_zip_and_a_csv_that_imports_back(self, official_client, tmp_path):
        shp = download(official_client, "sewage-plants", tmp_path, format="shp", srid=4490)
        with zipfile.ZipFile(io.BytesIO(shp.read_bytes())) as archive:
            assert {n.rsplit(".", 1)[1] for n in archive.namelist()} >= {"shp", "dbf", "prj"}
        csv_path = download(official_client, "sewage-plants", tmp_path, format="csv", srid=4326)
        before = tables_fingerprint()
        report = layer_import(slug="sewage-plants", path=csv_path)
        assert (report.created, report.updated) == (0, 0)
        assert any("verdict" in note for note in report.notes)  # ignored, said so
        assert tables_fingerprint() == before

    def test_refusals(self, official_client):
        geojson_gk = official_client.get(
            "/data/towns/export/", {"format": "geojson", "srid": 4546}, **HOST
        )
        assert geojson_gk.status_code == 400 and "RFC 7946" in geojson_gk.content.decode()
        bad = official_client.get("/data/towns/export/", {"format": "dxf", "srid": 4326}, **HOST)
        assert bad.status_code == 400
        assert (
            official_client.get("/data/nope/export/", {"format": "gpkg"}, **HOST).status_code == 404
        )
        assert Client().get("/data/towns/export/", {"format": "gpkg"}, **HOST).status_code == 302
