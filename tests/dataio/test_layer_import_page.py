"""An administrator imports a layer file in the browser: a check listing every feature's
change (nothing written), then the import of the checked file; refusals named in Chinese;
only administrators; a checked file belongs to the session that uploaded it."""

from __future__ import annotations

import re

import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import AuditEvent
from layers.geometry import reproject
from layers.models import SewagePlant
from tests.helpers import tables_fingerprint, write_layer

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
URL = "/data/sewage-plants/import/"


@pytest.fixture
def admin_client(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.get(username="admin"))
    return client


def plants_upload(tmp_path, plants, capacities, *, srid=4326, crs=None) -> SimpleUploadedFile:
    geoms = [shapely.from_wkb(bytes(p.geom.wkb)) for p in plants]
    if srid != 4326:
        geoms = [reproject(g, 4326, srid) for g in geoms]
    path = write_layer(
        tmp_path / "plants.gpkg",
        geoms,
        {"code": [p.code for p in plants], "design_capacity_m3d": capacities},
        crs=crs or f"EPSG:{srid}",
    )
    return SimpleUploadedFile("污水厂.gpkg", path.read_bytes())


def token_of(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


class LayerImportPageTests:
    def test_check_lists_the_changes_then_the_import_writes_them(self, admin_client, tmp_path):
        """Two stored plants re-sent with the first one's capacity +100 m³/d: the check says
        1 update (design_capacity_m3d) and 1 unchanged, writes nothing; the import writes
        exactly that and is audited with the uploader's name."""
        plants = list(SewagePlant.objects.order_by("code")[:2])
        capacities = [plants[0].design_capacity_m3d + 100, plants[1].design_capacity_m3d]
        before = tables_fingerprint()
        got = admin_client.post(
            URL, {"action": "check", "file": plants_upload(tmp_path, plants, capacities)}, **HOST
        )
        html = got.content.decode()
        assert got.status_code == 200
        assert "导入将新增 0 个、更新 1 个、停用 0 个；1 个不变" in html
        assert plants[0].code in html and "design_capacity_m3d" in html
        assert tables_fingerprint() == before
        got = admin_client.post(URL, {"action": "commit", "token": token_of(html)}, **HOST)
        assert got.status_code == 200 and "更新 1 个" in got.content.decode()
        assert SewagePlant.objects.get(pk=plants[0].pk).design_capacity_m3d == capacities[0]
        event = AuditEvent.objects.filter(kind="import").latest("created_at")
        assert event.actor == "admin" and event.object_id == "sewage-plants"
        # The checked file is gone once imported: the same token is refused.
        again = admin_client.post(URL, {"action": "commit", "token": token_of(html)}, **HOST)
        assert again.status_code == 400 and "重新上传" in again.content.decode()

    def test_a_wrong_zone_is_refused_in_chinese_with_the_likely_system(
        self, admin_client, tmp_path
    ):
        """GK CM 111E coordinates declared as CM 108E: every row refused, the page names
        EPSG:4546 as the likely coordinate system, nothing written."""
        plants = list(SewagePlant.objects.order_by("code")[:2])
        upload = plants_upload(
            tmp_path, plants, [p.design_capacity_m3d for p in plants], srid=4546, crs="EPSG:4545"
        )
        before = tables_fingerprint()
        got = admin_client.post(URL, {"action": "check", "file": upload}, **HOST)
        html = got.content.decode()
        assert got.status_code == 400 and "文件被拒绝：2 处问题" in html
        assert "位于县域之外" in html and "看来是 EPSG:4546" in html
        assert tables_fingerprint() == before

    def test_only_administrators(self, tmp_path, django_user_model):
        client = Client()
        client.force_login(django_user_model.objects.get(username="engineer"))
        assert client.get(URL, **HOST).status_code == 403
        assert client.get("/data/", **HOST).content.decode().count("/import/") == 0

    def test_a_token_from_another_session_is_refused(
        self, admin_client, tmp_path, django_user_model
    ):
        plants = list(SewagePlant.objects.order_by("code")[:1])
        capacities = [plants[0].design_capacity_m3d + 1]
        got = admin_client.post(
            URL, {"action": "check", "file": plants_upload(tmp_path, plants, capacities)}, **HOST
        )
        other = Client()
        other.force_login(django_user_model.objects.get(username="admin"))
        stolen = other.post(
            URL, {"action": "commit", "token": token_of(got.content.decode())}, **HOST
        )
        assert stolen.status_code == 400
        assert SewagePlant.objects.get(pk=plants[0].pk).design_capacity_m3d != capacities[0]
