"""The QGIS project download (/qgis/project.qgs): well-formed, every readable layer as an OGC
API – Features layer of this server with its style, nothing the user may not read."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405  (our own output)

import pytest
from django.contrib.auth.models import Group, Permission, User
from pyproj import Transformer
from rest_framework.authtoken.models import Token

from gisapp.qgis_project import extent_in
from layers.limits import county_extent_4326
from layers.registry import LAYERS
from layers.styles import style_for

pytestmark = pytest.mark.django_db


def _project(response) -> ET.Element:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/x-qgis-project")
    assert response["Content-Disposition"] == 'attachment; filename="lianzhou.qgs"'
    return ET.fromstring(response.content)  # noqa: S314


def _without_layer(slug: str) -> User:
    """A user whose role reads every layer but `slug` (every demo role reads every layer)."""
    model = LAYERS[slug].model._meta
    group = Group.objects.create(name="no-" + slug)
    group.permissions.set(
        Permission.objects.filter(codename__startswith="view_").exclude(
            content_type__app_label=model.app_label, codename=f"view_{model.model_name}"
        )
    )
    user = User.objects.create_user("reader-" + slug, password="x")  # noqa: S106
    user.groups.add(group)
    return user


class QgisProjectTests:
    def test_every_readable_layer_from_this_servers_ogcapi_styled(self, client, official):
        client.force_login(official)
        root = _project(client.get("/qgis/project.qgs"))
        layers = root.findall("projectlayers/maplayer")
        sources = {m.find("id").text: m.find("datasource").text for m in layers}
        assert len(layers) == len(LAYERS)
        for slug in LAYERS:
            source = sources["lianzhou_" + slug.replace("-", "_")]
            assert f"typename='{slug}'" in source
            assert "url='http://testserver/ogcapi'" in source
            assert "authcfg=lzgis01" in source
        for maplayer, slug in zip(layers, LAYERS, strict=True):
            assert maplayer.find("provider").text == "OAPIF"
            assert maplayer.find("layername").text == style_for(slug)["title_zh"]
            rules = maplayer.findall("renderer-v2/rules/rule")
            assert len(rules) == len(style_for(slug).get("rules", [])) + 1
        # The layer tree lists the top layer first: the reverse of the map's drawing order.
        tree = [n.get("id") for n in root.findall("layer-tree-group/layer-tree-layer")]
        assert tree == [m.find("id").text for m in reversed(layers)]
        assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:4546"
        # QGIS reads <projectCrs> only with this flag: without it QGIS 3.22 opened the project
        # with no CRS (QgsProject::readProjectFile).
        assert root.find("properties/SpatialRefSys/ProjectionsEnabled").text == "1"
        assert root.find("properties/SpatialRefSys/ProjectionsEnabled").get("type") == "int"

    def test_canvas_is_the_county_in_gauss_kruger(self, client, official):
        """The canvas extent, carried back from EPSG:4546 (easting, northing) to lon/lat,
        holds the county's box; it is the box of the county box's corners."""
        client.force_login(official)
        root = _project(client.get("/qgis/project.qgs"))
        box = [
            float(root.find(f"mapcanvas/extent/{k}").text) for k in ("xmin", "ymin", "xmax", "ymax")
        ]
        west, south, east, north = county_extent_4326()
        back = Transformer.from_crs(4546, 4326, always_xy=True)
        for x, y in ((west, south), (east, north), (west, north), (east, south)):
            easting, northing = Transformer.from_crs(4326, 4546, always_xy=True).transform(x, y)
            assert box[0] - 0.01 <= easting <= box[2] + 0.01
            assert box[1] - 0.01 <= northing <= box[3] + 0.01
        lon, lat = back.transform((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        assert west < lon < east and south < lat < north
        assert box == pytest.approx(list(extent_in((west, south, east, north), 4546)), abs=1e-5)

    def test_a_layer_the_user_may_not_read_is_left_out(self, client):
        client.force_login(_without_layer("water-users"))
        root = _project(client.get("/qgis/project.qgs"))
        ids = {m.find("id").text for m in root.findall("projectlayers/maplayer")}
        assert "lianzhou_water_users" not in ids
        assert len(ids) == len(LAYERS) - 1
        assert "water-users" not in ET.tostring(root, encoding="unicode")

    def test_english_names_token_and_auth_configuration(self, client, official):
        key = Token.objects.create(user=official).key
        refused = client.get("/qgis/project.qgs")
        assert refused.status_code == 401
        client.cookies["django_language"] = "en"
        response = client.get(
            "/qgis/project.qgs?authcfg=abc1234", HTTP_AUTHORIZATION=f"Token {key}"
        )
        root = _project(response)
        pipes = root.find("projectlayers/maplayer[id='lianzhou_pipes']")
        assert pipes.find("layername").text == "Water pipes"
        assert "authcfg=abc1234" in pipes.find("datasource").text
        labels = [r.get("label") for r in pipes.findall("renderer-v2/rules/rule")]
        assert "Planned pipe" in labels
        bad = client.get("/qgis/project.qgs?authcfg=x'y", HTTP_AUTHORIZATION=f"Token {key}")
        assert bad.status_code == 400 and "authcfg" in bad.json()["error"]["details"]
