"""500s any user could trigger (issue 16, finding 8), refused at the root (gisapp/input_checks.py,
compliance/scenarios.py): NUL characters in query parameters, form fields and JSON strings;
integers past PostgreSQL's bigint in URLs, queries and bodies; JSON nested 100,000 levels deep on
every JSON endpoint; extreme or non-scalar scenario overrides. Each a 4xx in the error shape (a
translated page for HTML routes) naming what was refused, with nothing stored."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings

from gisapp.input_checks import json_depth, json_refusal
from network.models import PipeSegment

from .conftest import assert_error, stored_fingerprint, token_client
from .openapi import get_operations, openapi_schema
from .payloads import (
    DEEP_JSON,
    HOSTILE_OVERRIDE_TEXTS,
    HOSTILE_OVERRIDES,
    NUL_STRINGS,
    OVERFLOW_INTEGERS,
    ROUTE,
    deep_json,
    dumps,
    feature,
)

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")


def _write_operations() -> list[tuple[str, str]]:
    """(method, path template) of every write operation of the OpenAPI schema."""
    schema = openapi_schema()
    return [
        (method, path)
        for path, item in sorted(schema["paths"].items())
        for method in WRITE_METHODS
        if method in item
    ]


def _fill(path: str) -> str:
    pipe = PipeSegment.objects.filter(status="in_service").order_by("id").first()
    values = {"slug": "pipes", "feature_id": str(pipe.pk), "change_id": "1"}
    values |= {"leak_id": "1", "crossing_id": "1"}
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


@pytest.fixture
def unchanged():
    before = stored_fingerprint()
    yield
    assert stored_fingerprint() == before


@pytest.fixture
def writer(django_user_model):
    """A token client allowed every write (engineer) and the scenarios (planner's perms)."""
    user = django_user_model.objects.get(username="engineer")
    return token_client(user)


class PureTests:
    def test_depth_is_measured_without_recursion_and_skips_strings(self):
        assert json_depth(deep_json(100_000).encode()) == 100_000
        assert json_depth(b'{"a": "[[[[[[[[[[", "b": [1, [2]]}') == 3
        assert json_depth(b'"\\"[[["') == 0

    def test_refusals_name_the_field(self):
        assert json_refusal(deep_json(33).encode(), 32).problem == "json_too_deep"
        assert json_refusal(deep_json(32).encode(), 32) is None
        refusal = json_refusal(dumps({"properties": {"code": "a\x00"}}).encode(), 32)
        assert (refusal.field, refusal.problem) == ("properties.code", "nul_character")
        refusal = json_refusal(dumps({"ids": [1, 2**64]}).encode(), 32)
        assert (refusal.field, refusal.problem) == ("ids[1]", "integer_out_of_range")
        assert json_refusal(dumps({"ids": [1, 2**63 - 1]}).encode(), 32) is None
        assert json_refusal(b"{not json", 32) is None  # left to the view's parse error


@pytest.mark.usefixtures("unchanged")
class DeepJsonTests:
    def test_every_json_endpoint_refuses_deep_nesting(self, writer):
        operations = _write_operations()
        assert len(operations) >= 10, operations
        for method, path in operations:
            for text in DEEP_JSON:
                response = getattr(writer, method)(
                    _fill(path), data=text, content_type="application/json"
                )
                error = assert_error(response, 400)
                assert error["details"]["problem"] == "json_too_deep", (method, path)
                assert error["details"]["max_depth"] == settings.REQUEST_JSON_MAX_DEPTH

    def test_geo_json_media_type_is_checked_too(self, writer):
        response = writer.post(
            "/api/v1/layers/pipes/features/",
            data=deep_json(100_000),
            content_type="application/geo+json",
        )
        assert assert_error(response, 400)["details"]["problem"] == "json_too_deep"


@pytest.mark.usefixtures("unchanged")
class NulTests:
    def test_nul_in_every_query_parameter_is_a_400_naming_it(self, writer):
        sent = 0
        for op in get_operations(openapi_schema()):
            path = _fill(op.path)
            if "{" in path:
                continue
            for name in op.query_params:
                response = writer.get(path, {name: NUL_STRINGS[1]})
                error = assert_error(response, 400)
                assert error["details"] == {"field": name, "problem": "nul_character"}
                sent += 1
        assert sent > 30

    @pytest.mark.parametrize("text", NUL_STRINGS)
    def test_nul_in_a_json_string_is_a_400_naming_it(self, writer, text):
        pipe = PipeSegment.objects.filter(status="in_service").order_by("id").first()
        for method, path, body, field in [
            (
                "post",
                "/api/v1/layers/pipes/features/",
                feature({"type": "LineString", "coordinates": ROUTE}, material=text),
                "properties.material",
            ),
            (
                "patch",
                f"/api/v1/layers/pipes/features/{pipe.pk}/",
                feature(None, version=pipe.version, owner=text),
                "properties.owner",
            ),
            ("post", "/api/v1/layers/pipes/merge/", {"ids": [pipe.pk, text]}, "ids[1]"),
            ("post", "/api/v1/compliance/scenarios/", {"year": 2024, "area": text}, "area"),
            ("post", "/api/v1/consumption/area/", {text: 1}, text.replace("\x00", "\\x00")),
        ]:
            response = getattr(writer, method)(
                path, data=dumps(body), content_type="application/json"
            )
            error = assert_error(response, 400)
            assert error["details"] == {"field": field, "problem": "nul_character"}, path
            assert "\\x00" in error["message"]

    def test_nul_in_the_login_form_is_a_translated_400_page(self, client):
        for url in ("/accounts/login/", "/admin/login/"):
            response = client.post(url, {"username": "engineer\x00", "password": "x"})
            assert response.status_code == 400
            page = response.content.decode()
            assert "<main>" in page and "NUL" in page
            assert "\\x00" in page
            assert "_auth_user_id" not in client.session

    def test_nul_in_a_page_parameter_is_a_400_page(self, client, official):
        client.force_login(official)
        response = client.get("/registers/tasks/", {"as_of": "2024\x00"})
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        assert "as_of" in response.content.decode()


@pytest.mark.usefixtures("unchanged")
class IntegerOverflowTests:
    @pytest.mark.parametrize("number", OVERFLOW_INTEGERS)
    def test_ids_past_bigint_in_every_path_are_a_404(self, writer, number):
        sent = 0
        for op in get_operations(openapi_schema()):
            ids = [p for p in op.path_params if p.endswith("_id")]
            for name in ids:
                path = _fill(op.path.replace("{" + name + "}", str(abs(number))))
                error = assert_error(writer.get(path), 404)
                assert error["details"] == {"field": name}
                sent += 1
        assert sent >= 6

    def test_overflow_in_a_query_parameter_is_a_400(self, writer):
        for path, name in [
            ("/api/v1/layers/pipes/features/", "id"),
            ("/api/v1/network/leaks/", "pipe"),
            ("/api/v1/compliance/results/", "year"),
        ]:
            error = assert_error(writer.get(path, {name: str(2**70)}), 400)
            assert error["details"] == {"field": name, "problem": "integer_out_of_range"}

    @pytest.mark.parametrize("number", OVERFLOW_INTEGERS)
    def test_overflow_in_a_json_body_is_a_400(self, writer, number):
        error = assert_error(
            writer.post(
                "/api/v1/layers/pipes/merge/",
                data=dumps({"ids": [1, number]}),
                content_type="application/json",
            ),
            400,
        )
        assert error["details"] == {"field": "ids[1]", "problem": "integer_out_of_range"}

    def test_the_largest_bigint_is_still_an_ordinary_not_found(self, writer):
        response = writer.get(f"/api/v1/layers/pipes/features/{2**63 - 1}/")
        assert_error(response, 404)

    def test_a_page_parameter_past_bigint_is_a_400_page(self, client, engineer):
        client.force_login(engineer)
        response = client.get("/network/edit/", {"pipe": str(2**70)})
        assert response.status_code == 400
        assert "pipe" in response.content.decode()


@pytest.mark.usefixtures("unchanged")
class ScenarioOverrideTests:
    @pytest.fixture
    def planner(self, django_user_model):
        return token_client(django_user_model.objects.get(username="planner"))

    @pytest.mark.parametrize("override,key", HOSTILE_OVERRIDES)
    def test_hostile_override_is_a_400_naming_the_parameter(self, planner, override, key):
        response = planner.post(
            "/api/v1/compliance/scenarios/",
            data=dumps({"year": 2024, "overrides": [override]}),
            content_type="application/json",
        )
        error = assert_error(response, 400)
        assert key in error["details"], error
        shown = json.dumps(error["details"])
        assert "_supply_rows" not in shown and "_assumable" not in shown  # no internals

    @pytest.mark.parametrize("text", HOSTILE_OVERRIDE_TEXTS)
    def test_infinite_override_is_a_400(self, planner, text):
        response = planner.post(
            "/api/v1/compliance/scenarios/", data=text, content_type="application/json"
        )
        error = assert_error(response, 400)
        assert re.search(r"overrides\[0\]\.\w+", json.dumps(error["details"]))

    @pytest.mark.parametrize("value", ["1e308", "inf", "nan", "-1", "101"])
    def test_the_scenario_page_refuses_extreme_numbers(self, client, django_user_model, value):
        client.force_login(django_user_model.objects.get(username="planner"))
        response = client.post("/scenarios/", {"year": "2024", "leakage_target": value})
        assert response.status_code == 400
        assert "leakage_target" in response.content.decode()
