"""GDAL's OGC API – Features driver (OAPIF) against the live server: it lists every
collection the user may read and reads their features, as QGIS and ogr2ogr users will."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from django.db.models import Count, Sum

from layers.permissions import can_view_layer
from layers.registry import LAYERS
from network.models import PipeNode, PipeSegment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed"),
]


def gdal(tool: str, *args: str, token: str | None) -> subprocess.CompletedProcess:
    config = ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Token {token}"] if token else []
    return subprocess.run(  # noqa: S603 - fixed tool, arguments built here
        [tool, *config, *args], capture_output=True, text=True, timeout=300, check=False
    )


def feature_count(path: str, layer: str) -> int:
    out = gdal("ogrinfo", "-ro", "-so", path, layer, token=None).stdout
    return int(re.search(r"Feature Count: (\d+)", out).group(1))


class GdalOapifTests:
    def test_every_readable_layer_is_listed(self, site, engineer_token, engineer):
        result = gdal("ogrinfo", "-ro", f"OAPIF:{site.url}/ogcapi", token=engineer_token)
        assert result.returncode == 0, result.stderr
        listed = re.findall(r"^\d+: (\S+) \(title: ", result.stdout, flags=re.M)
        assert listed == [slug for slug in LAYERS if can_view_layer(engineer, slug)]
        assert {"pipes", "pipe-nodes", "towns", "water-users"} <= set(listed)

    def test_without_a_token_the_driver_is_refused(self, site):
        result = gdal("ogrinfo", "-ro", f"OAPIF:{site.url}/ogcapi", token=None)
        assert result.returncode != 0
        assert "401" in result.stderr

    def test_layer_summary_counts_what_the_database_holds(self, site, engineer_token):
        result = gdal(
            "ogrinfo", "-ro", "-so", f"OAPIF:{site.url}/ogcapi", "pipes", token=engineer_token
        )
        assert result.returncode == 0, result.stderr
        live = PipeSegment.objects.exclude(status=PipeSegment.Status.ABANDONED).count()
        assert f"Feature Count: {live}" in result.stdout
        for field in ("diameter_mm: Integer", "material: String", "version: Integer"):
            assert field in result.stdout

    def test_one_feature_by_fid(self, site, engineer_token):
        pipe = PipeSegment.objects.filter(status="in_service").order_by("id")[5]
        result = gdal(
            "ogrinfo", "-ro", f"OAPIF:{site.url}/ogcapi", "pipes", "-fid", str(pipe.pk),
            token=engineer_token,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert f"code (String) = {pipe.code}" in result.stdout
        assert f"diameter_mm (Integer) = {pipe.diameter_mm}" in result.stdout
        assert "LINESTRING (" in result.stdout

    def test_ogr2ogr_copies_every_node_once_through_the_next_links(
        self, site, engineer_token, tmp_path
    ):
        """12,391 demo nodes in pages of 1,000: 13 pages, joined by next links."""
        target = tmp_path / "nodes.gpkg"
        result = gdal(
            "ogr2ogr", "-oo", "PAGE_SIZE=1000", "-f", "GPKG", str(target),
            f"OAPIF:{site.url}/ogcapi", "pipe-nodes", token=engineer_token,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert feature_count(str(target), "pipe-nodes") == PipeNode.objects.count()
        found = gdal(
            "ogrinfo", "-ro", "-q", "-dialect", "SQLite", "-sql",
            'SELECT count(DISTINCT fid), count(*), sum(fid) FROM "pipe-nodes"', str(target),
            token=None,
        )  # fmt: skip
        distinct, total, id_sum = (int(v) for v in re.findall(r"= (\d+)", found.stdout)[:3])
        expected = PipeNode.objects.aggregate(n=Count("id"), s=Sum("id"))
        assert distinct == total == expected["n"]
        assert id_sum == expected["s"]  # the FIDs are our ids, each once
