"""The site speaks for its reader's area (issue 19): its title and headings name the user's
county, city or province ("阳山县节水地理信息系统" for 阳山县's engineer), the default county's when
signed out or unassigned; the pages rendered without the request (500, database down) keep a
generic title and query nothing. One wording on the city roll-up: 未通过, as elsewhere.

The second county is tests/security/test_area_scope.py's 测试县 under 清远市 beside Lianzhou.
"""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory

from accounts.models import AreaMembership
from gisapp.db_unavailable import database_unavailable_response
from gisapp.error_pages import server_error
from tests.security.test_area_scope import counties, member  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def title_and_brand(response) -> tuple[str, str]:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    brand = re.search(r'<a class="brand"[^>]*>(.*?)</a>', html, re.S).group(1).strip()
    return title, brand


class SiteTitleTests:
    def test_each_reader_sees_their_area_in_the_title_and_header(
        self,
        client,
        counties,  # noqa: F811
        django_user_model,
    ):
        """测试县's engineer: 测试县节水地理信息系统; 清远市's official: 清远市…; Lianzhou's
        official (the demo account): 连州市…. The map page's title ends with it."""
        cases = [
            (member(django_user_model, "yang", counties["other"], "engineer"), "测试县"),
            (member(django_user_model, "qy", counties["city"], "official"), "清远市"),
            (django_user_model.objects.get(username="official"), "连州市"),
        ]
        for user, area in cases:
            client.force_login(user)
            title, brand = title_and_brand(client.get("/map/"))
            assert brand == f"{area}节水地理信息系统"
            assert title.endswith(f"· {area}节水地理信息系统")
            assert f"{area}节水地理信息系统" in title_and_brand(client.get("/data/"))[0]

    def test_signed_out_and_unassigned_readers_get_the_default_county(
        self,
        client,
        counties,  # noqa: F811
        django_user_model,
    ):
        """The login page (signed out), a user with no area (two counties: they see nothing)
        and a superuser without one: the default county's name, 连州市."""
        assert title_and_brand(client.get("/accounts/login/"))[1] == "连州市节水地理信息系统"
        nobody = django_user_model.objects.create_user("nobody", password="x")
        client.force_login(nobody)
        assert title_and_brand(client.get("/data/"))[1] == "连州市节水地理信息系统"
        client.force_login(django_user_model.objects.create_superuser("root2", password="x"))
        assert title_and_brand(client.get("/map/"))[1] == "连州市节水地理信息系统"

    def test_the_title_follows_a_change_of_area_and_the_language(
        self,
        client,
        counties,  # noqa: F811
        django_user_model,
    ):
        """Moved from 测试县 to 清远市, the user sees 清远市 on the next page (the cached name
        keys on the access data's version); in English: "清远市 water-saving GIS"."""
        yang = member(django_user_model, "yang", counties["other"], "official")
        client.force_login(yang)
        assert title_and_brand(client.get("/map/"))[1] == "测试县节水地理信息系统"
        membership = AreaMembership.objects.get(user=yang)
        membership.area = counties["city"]
        membership.save()
        assert title_and_brand(client.get("/map/"))[1] == "清远市节水地理信息系统"
        client.cookies["django_language"] = "en"
        english = client.get("/map/", HTTP_ACCEPT_LANGUAGE="en")
        assert title_and_brand(english)[1] == "清远市 water-saving GIS"

    def test_the_admin_site_is_titled_for_the_administrator_area(
        self,
        client,
        counties,  # noqa: F811
        django_user_model,
    ):
        client.force_login(member(django_user_model, "yangadm", counties["other"], "admin", True))
        html = client.get("/admin/").content.decode()
        assert "<title>" in html and "测试县节水地理信息系统" in html
        assert "连州市节水地理信息系统" not in html

    def test_desktop_documents_are_titled_for_the_reader_area(
        self,
        client,
        counties,  # noqa: F811
        django_user_model,
    ):
        """The QGIS project, the TileJSON of every layer, the MapLibre style and the OGC API
        landing page of 测试县's official name 测试县."""
        client.force_login(member(django_user_model, "yang", counties["other"], "official"))
        project = client.get("/qgis/project.qgs").content.decode()
        assert "测试县节水地理信息系统" in project and "连州市节水" not in project
        assert client.get("/tiles/tilejson.json").json()["name"] == "测试县节水地理信息系统"
        assert client.get("/tiles/style.json").json()["name"] == "测试县节水地理信息系统"
        landing = client.get("/ogcapi/", {"f": "json"}).json()
        assert landing["title"] == "测试县节水地理信息系统：OGC API – Features"

    def test_pages_rendered_without_the_request_keep_a_generic_title(
        self, django_assert_num_queries
    ):
        """The 503 (database down) and 500 pages: no query, the generic 节水地理信息系统."""
        request = RequestFactory().get("/map/")
        with django_assert_num_queries(0):
            pages = [database_unavailable_response(request), server_error(request)]
        for page in pages:
            html = page.content.decode()
            assert '<a class="brand" href="/">节水地理信息系统</a>' in html
            assert "连州市" not in html


class CityWordingTests:
    def test_the_city_roll_up_says_not_passed_as_the_rest_of_the_site(self, client, official):
        """The summary's count of counties that did not pass reads 未通过, never 失败."""
        client.force_login(official)
        html = client.get("/reports/city/").content.decode()
        summary = re.search(r'<p class="pass-count">(.*?)</p>', html, re.S).group(1)
        assert "未通过" in summary and "失败" not in html
