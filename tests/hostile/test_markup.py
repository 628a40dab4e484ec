"""Markup in written text (issue 9, part 2): refused on every write path, nothing stored.

One rule (layers/text_rules.py) answers for the network API (400 naming the field), layer,
record and raster imports (a row error naming row and column) and the admin forms (a field
error). Ordinary text with "<" ("DN<300", "a < b") still passes. Data that got in before the
rule (written by SQL) is shown as text: tests/e2e/test_hostile_markup.py.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from affine import Affine
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import translation
from shapely.geometry import Point

from dataio.importing import ImportFailed
from dataio.importing.raster_import import raster_import
from layers.models import SewagePlant
from layers.text_rules import MARKUP, SCRIPT_URL, TextRefused, text_checked, text_problem
from network.models import LeakRecord, PipeCrossing, PipeNode, PipeSegment
from network.services.leaks import leak_record
from rasters.raster import write_geotiff
from tests.helpers import tables_fingerprint, write_layer

from .conftest import assert_error, stored_fingerprint
from .payloads import ROUTE, dumps, feature

MARKUP_TEXTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "阀门</td><svg onload=alert(1)>",
    "<!-- x -->",
    "<!DOCTYPE html>",
    "<?xml version='1.0'?>",
    "管<b>段",
]
SCRIPT_URL_TEXTS = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:x", "vbscript:x"]
LEGAL_TEXTS = [
    "DN<300",
    "a < b",
    "压力<0.2 MPa",
    "x<=5",
    "≤ 0.5 MPa",
    "<中文>",
    "＜script＞",
    "&lt;b&gt;",
    "1<2>0",
    "java script: basics",
    "see https://example.org/a?b=<1",
    "",
]


class TextRuleTests:
    @pytest.mark.parametrize("text", MARKUP_TEXTS)
    def test_markup_is_refused(self, text):
        assert text_problem(text) == MARKUP
        with pytest.raises(TextRefused):
            text_checked(text)

    @pytest.mark.parametrize("text", SCRIPT_URL_TEXTS)
    def test_script_urls_are_refused(self, text):
        assert text_problem(text) == SCRIPT_URL

    @pytest.mark.parametrize("text", LEGAL_TEXTS)
    def test_ordinary_text_with_angle_brackets_is_legal(self, text):
        assert text_problem(text) is None
        assert text_checked(text) == text

    def test_the_reason_is_translated(self):
        with translation.override("zh-hans"):
            assert "不允许标记" in str(TextRefused(MARKUP))
        with translation.override("en"):
            assert "Markup is not allowed" in str(TextRefused(MARKUP))


# --- the network API -------------------------------------------------------------------------

LINE = {"type": "LineString", "coordinates": ROUTE}
SEAT = {"type": "Point", "coordinates": [112.3802, 24.7802]}


def _pipe() -> PipeSegment:
    return PipeSegment.objects.filter(status="in_service").order_by("id").first()


def _node() -> PipeNode:
    return PipeNode.objects.order_by("id").first()


@pytest.fixture
def leak(db, engineer) -> LeakRecord:
    pipe = _pipe()
    return leak_record(pipe_id=pipe.pk, at=None, found_on=dt.date(2024, 5, 1), user=engineer)


def _writes(text: str, leak: LeakRecord) -> dict[str, tuple[str, str, dict, str]]:
    """name → (method, url, body, the field the error must name)."""
    pipe, node = _pipe(), _node()
    return {
        "pipe-create": (
            "post",
            "/api/v1/layers/pipes/features/",
            feature(LINE, diameter_mm=100, material="PE", code=text),
            "properties.code",
        ),
        "pipe-update": (
            "patch",
            f"/api/v1/layers/pipes/features/{pipe.pk}/",
            feature(None, code=text, version=pipe.version),
            "properties.code",
        ),
        "node-create": (
            "post",
            "/api/v1/layers/pipe-nodes/features/",
            feature(SEAT, kind="valve", code=text),
            "properties.code",
        ),
        "node-update": (
            "patch",
            f"/api/v1/layers/pipe-nodes/features/{node.pk}/",
            feature(None, code=text, version=node.version),
            "properties.code",
        ),
        "leak-create": (
            "post",
            "/api/v1/network/leaks/",
            feature(None, pipe_id=pipe.pk, found_on="2024-05-02", cause=text),
            "properties.cause",
        ),
        "leak-update": (
            "patch",
            f"/api/v1/network/leaks/{leak.pk}/",
            feature(None, cause=text, version=leak.version),
            "properties.cause",
        ),
        "crossing": (
            "post",
            "/api/v1/network/crossings/",
            {"pipes": [pipe.pk, pipe.pk + 1], "note": text},
            "note",
        ),
    }


WRITE_NAMES = [
    "pipe-create",
    "pipe-update",
    "node-create",
    "node-update",
    "leak-create",
    "leak-update",
    "crossing",
]


def _send(client, method: str, url: str, body: dict):
    return getattr(client, method)(url, dumps(body), content_type="application/json")


@pytest.mark.django_db
class NetworkApiMarkupTests:
    @pytest.mark.parametrize("name", WRITE_NAMES)
    @pytest.mark.parametrize("text", [MARKUP_TEXTS[1], SCRIPT_URL_TEXTS[0]], ids=["tag", "url"])
    def test_refused_with_the_field_named_and_nothing_stored(
        self, engineer_client, leak, name, text
    ):
        method, url, body, field = _writes(text, leak)[name]
        before = stored_fingerprint()
        error = assert_error(_send(engineer_client, method, url, body), 400)
        assert error["details"]["field"] == field
        assert error["details"]["problem"] == text_problem(text)
        assert stored_fingerprint() == before
        assert LeakRecord.objects.get(pk=leak.pk).cause == ""

    def test_the_message_is_chinese_by_default_and_english_on_request(self, engineer_client, leak):
        method, url, body, _field = _writes("<b>x</b>", leak)["leak-update"]
        assert (
            "不允许标记" in assert_error(_send(engineer_client, method, url, body), 400)["message"]
        )
        engineer_client.cookies["django_language"] = "en"
        message = assert_error(_send(engineer_client, method, url, body), 400)["message"]
        assert message.startswith("Markup is not allowed in text")

    def test_legal_text_with_angle_brackets_is_stored(self, engineer_client, leak):
        created = _send(
            engineer_client,
            "post",
            "/api/v1/layers/pipes/features/",
            feature(LINE, diameter_mm=100, material="PE", code="DN<300 a < b"),
        )
        assert created.status_code == 201, created.content[:300]
        assert PipeSegment.objects.filter(code="DN<300 a < b").count() == 1
        method, url, body, _field = _writes("压力 < 0.2 MPa，DN<300 接口≤5 cm", leak)["leak-update"]
        assert _send(engineer_client, method, url, body).status_code == 200
        assert LeakRecord.objects.get(pk=leak.pk).cause == "压力 < 0.2 MPa，DN<300 接口≤5 cm"

    def test_a_scenario_with_markup_in_a_code_is_a_400(self, planner_client):
        # Scenario codes only look features up (nothing is stored): unknown, so refused.
        body = {"year": 2024, "overrides": [{"type": "water_user", "code": "<b>x</b>"}]}
        response = planner_client.post(
            "/api/v1/compliance/scenarios/", dumps(body), content_type="application/json"
        )
        assert_error(response, 400)


# --- imports ---------------------------------------------------------------------------------


def _plants(tmp_path, names: list[str]):
    n = len(names)
    return write_layer(
        tmp_path / "plants.geojson",
        [Point(112.381 + i * 1e-3, 24.781) for i in range(n)],
        {
            "code": [f"MK-{i}" for i in range(n)],
            "name": names,
            "design_capacity_m3d": [1.0] * n,
            "effluent_grade": ["1A"] * n,
            "built_on": ["2005-06-01"] * n,
            "status": ["operating"] * n,
        },
    )


def _refused(capsys, *args) -> str:
    before = tables_fingerprint()
    with pytest.raises(CommandError), translation.override("en"):
        call_command(*[str(a) for a in args], verbosity=0)
    assert tables_fingerprint() == before
    return capsys.readouterr().err


@pytest.mark.django_db
class ImportMarkupTests:
    def test_layer_import_names_every_row_and_column(self, tmp_path, capsys):
        # The same markup in two rows (parsed once per distinct value) and a script URL.
        names = ["好的 DN<300", "<svg onload=alert(1)>", "javascript:alert(1)", "<svg onload=x>"]
        names[3] = names[1]
        err = _refused(capsys, "import_layer", "sewage-plants", _plants(tmp_path, names))
        assert "row 2, column name: Markup is not allowed" in err
        assert "row 3, column name: Script links" in err
        assert "row 4, column name: Markup is not allowed" in err
        assert "row 1" not in err
        assert not SewagePlant.objects.filter(code__startswith="MK-").exists()

    def test_legal_text_imports(self, tmp_path):
        call_command(
            "import_layer", "sewage-plants", str(_plants(tmp_path, ["DN<300 a < b"])), verbosity=0
        )
        assert SewagePlant.objects.get(code="MK-0").name == "DN<300 a < b"

    def test_records_import_refuses_markup_in_the_code_column(self, tmp_path, capsys):
        # Record files carry no free text: their one text column is a code that must exist.
        path = tmp_path / "consumption.csv"
        path.write_text("user_code,month,volume_m3,metered\n<b>U1</b>,2024-01,1,true\n")
        err = _refused(capsys, "import_records", "consumption", path)
        assert "row 2, column user_code: unknown code" in err  # row 1 is the header

    def test_raster_import_refuses_markup_in_its_texts(self, tmp_path):
        path = write_geotiff(
            tmp_path / "mine.tif",
            np.ones((20, 20), dtype=np.float32),
            srid=4546,
            transform=Affine(100, 0, 638_500, 0, -100, 2_742_500),  # around the county seat
            nodata=-9999.0,
        )
        before = tables_fingerprint()
        for column in ("title", "title_en", "unit", "source"):
            with pytest.raises(ImportFailed) as caught, translation.override("en"):
                raster_import(slug="mine", path=path, **{column: "<i>x</i>"})
            assert f"column {column}: Markup is not allowed" in str(caught.value)
        assert tables_fingerprint() == before
        report = raster_import(slug="mine", path=path, title="高程 < 500 m", dry_run=True)
        assert report.rows == 1


# --- admin forms -----------------------------------------------------------------------------


def _admin_data(user, obj) -> dict:
    """The admin change form of `obj` filled with its current values, as a browser posts it."""
    request = RequestFactory().get("/")
    request.user = user
    form = admin.site._registry[type(obj)].get_form(request, obj)(instance=obj)
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else getattr(value, "geojson", value)
    return data


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("markup-admin", password="x" * 12)


@pytest.mark.django_db
class AdminMarkupTests:
    @pytest.mark.parametrize("text", [MARKUP_TEXTS[0], SCRIPT_URL_TEXTS[0]])
    def test_a_feature_form_refuses_markup_and_saves_nothing(self, client, superuser, text):
        plant = SewagePlant.objects.order_by("id").first()
        url = f"/admin/layers/sewageplant/{plant.pk}/change/"
        client.force_login(superuser)
        data = _admin_data(superuser, plant) | {"name": text}
        before = tables_fingerprint()
        response = client.post(url, data)
        assert response.status_code == 200  # the form again, with the error
        assert "errorlist" in response.content.decode()
        assert tables_fingerprint() == before
        assert SewagePlant.objects.get(pk=plant.pk).name == plant.name

    def test_a_feature_form_accepts_legal_text(self, client, superuser):
        plant = SewagePlant.objects.order_by("id").first()
        url = f"/admin/layers/sewageplant/{plant.pk}/change/"
        client.force_login(superuser)
        response = client.post(url, _admin_data(superuser, plant) | {"name": "DN<300 a < b"})
        assert response.status_code == 302, response.content.decode()[-2000:]
        assert SewagePlant.objects.get(pk=plant.pk).name == "DN<300 a < b"

    def test_crossing_note_refused(self, client, superuser):
        a, b = PipeSegment.objects.order_by("id")[:2]
        crossing = PipeCrossing.objects.create(pipe_a=a, pipe_b=b, note="")
        url = f"/admin/network/pipecrossing/{crossing.pk}/change/"
        client.force_login(superuser)
        data = _admin_data(superuser, crossing) | {"note": "<a href=x>y</a>"}
        response = client.post(url, data)
        assert response.status_code == 200 and "errorlist" in response.content.decode()
        assert PipeCrossing.objects.get(pk=crossing.pk).note == ""
