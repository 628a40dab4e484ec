"""export_layer: each format writes every feature and imports back without a change."""

import csv

import pytest
from django.core.management import call_command

from layers.models import SewagePlant
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db


class ExportTests:
    @pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".zip"])
    def test_round_trip(self, tmp_path, suffix):
        path = tmp_path / f"plants{suffix}"
        call_command("export_layer", "sewage-plants", str(path), verbosity=0)
        before = tables_fingerprint()
        call_command("import_layer", "sewage-plants", str(path), verbosity=0)
        assert tables_fingerprint() == before

    def test_pipes_round_trip(self, tmp_path):
        path = tmp_path / "pipes.gpkg"
        call_command("export_layer", "pipes", str(path), verbosity=0)
        before = tables_fingerprint()
        call_command("import_layer", "pipes", str(path), verbosity=0)
        assert tables_fingerprint() == before

    def test_csv_has_every_feature_and_wkt(self, tmp_path):
        path = tmp_path / "plants.csv"
        call_command("export_layer", "sewage-plants", str(path), verbosity=0)
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM so Excel reads Chinese
        with open(path, encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == SewagePlant.objects.count()
        assert rows[0]["wkt"].startswith("POINT")
