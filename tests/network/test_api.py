"""The network write API: pipes and nodes as GeoJSON, 409 on stale versions, validation with
field and location, history and revert, permissions, CSRF, idempotent retries, leaks, check."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from network.models import NetworkChange, PipeCrossing, PipeNode, PipeSegment
from tests.helpers import evaluate_pending
from tests.network.test_services import (
    draw,
    fingerprint,
    metres,
    moved,
    spot,  # noqa: F401 - a fixture
    target,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db

PIPES = "/api/v1/layers/pipes/features/"
NODES = "/api/v1/layers/pipe-nodes/features/"
GEOJSON = "application/geo+json"


def line_feature(*coords, geometry_crs=None, **props) -> dict:
    geometry = {"type": "LineString", "coordinates": [list(c) for c in coords]}
    properties = {"diameter_mm": 100, "material": "PE", **props}
    feature = {"type": "Feature", "geometry": geometry, "properties": properties}
    if geometry_crs:
        feature["crs"] = {"type": "name", "properties": {"name": geometry_crs}}
    return feature


def point_feature(lonlat, **props) -> dict:
    geometry = {"type": "Point", "coordinates": list(lonlat)}
    return {"type": "Feature", "geometry": geometry, "properties": props}


def props_feature(**props) -> dict:
    """A Feature that changes properties only (PATCH)."""
    return {"type": "Feature", "properties": props}


def version_of(pipe_id: int) -> int:
    """The stored version of a pipe (what a client read)."""
    return PipeSegment.objects.get(pk=pipe_id).version


def send(client, method: str, url: str, body=None, **headers):
    """A JSON request (no body at all when body is None)."""
    if body is not None:
        headers["data"] = json.dumps(body)
    return getattr(client, method)(url, content_type="application/json", **headers)


@pytest.fixture
def eng(client, engineer):
    client.force_login(engineer)
    return client


class PipeWriteApiTests:
    def test_create_answers_the_stored_feature_with_the_server_geometry(self, eng, spot):  # noqa: F811
        valve = send(eng, "post", NODES, point_feature(spot, kind="valve"))
        assert valve.status_code == 201 and valve["Content-Type"] == GEOJSON
        start, end = moved(spot, east_m=0.4), moved(spot, east_m=50)
        response = send(eng, "post", PIPES, line_feature(start, end, code="T-API-1"))
        assert response.status_code == 201
        body = response.json()
        assert body["type"] == "Feature" and isinstance(body["id"], int)
        assert body["geometry"]["coordinates"][0] == valve.json()["geometry"]["coordinates"]
        assert body["properties"]["version"] == 1
        assert body["properties"]["start_node_code"] == valve.json()["properties"]["code"]
        assert body["properties"]["length_m"] == pytest.approx(metres(spot, end), abs=1e-3)
        assert body["change"]["operation"] == "pipe_create"
        detail = eng.get(f"{PIPES}{body['id']}/").json()
        assert detail["properties"]["code"] == "T-API-1" and detail["properties"]["version"] == 1

    def test_stale_patch_answers_409_with_the_current_feature(self, eng, target):  # noqa: F811
        url = f"{PIPES}{target.id}/"
        version = eng.get(url).json()["properties"]["version"]
        first = send(eng, "patch", url, props_feature(version=version, diameter_mm=150))
        assert first.status_code == 200 and first.json()["properties"]["version"] == version + 1
        before = fingerprint()
        second = send(eng, "patch", url, props_feature(version=version, diameter_mm=200))
        assert second.status_code == 409
        error = second.json()["error"]
        assert error["code"] == "conflict"
        assert error["details"]["current_version"] == version + 1
        assert error["details"]["current"]["id"] == target.id
        assert error["details"]["current"]["properties"]["diameter_mm"] == 150
        assert fingerprint() == before

    def test_patch_without_a_version_is_refused(self, eng, target):  # noqa: F811
        before = fingerprint()
        response = send(eng, "patch", f"{PIPES}{target.id}/", props_feature(diameter_mm=150))
        assert response.status_code == 428
        error = response.json()["error"]
        assert error["code"] == "precondition_required"
        assert error["details"]["field"] == "properties.version"
        assert fingerprint() == before

    def test_patch_geometry_answers_the_snapped_route(self, eng, target):  # noqa: F811
        url = f"{PIPES}{target.id}/"
        version = eng.get(url).json()["properties"]["version"]
        off_start = moved(target.start, east_m=0.2)
        body = line_feature(off_start, target.beside(3), target.end, version=version)
        del body["properties"]["diameter_mm"], body["properties"]["material"]
        response = send(eng, "patch", url, body)
        assert response.status_code == 200
        coords = response.json()["geometry"]["coordinates"]
        assert coords[0] == pytest.approx(list(target.start), abs=1e-7) and len(coords) == 3

    def test_delete_retires_hides_and_restore_brings_back(self, eng, target):  # noqa: F811
        url = f"{PIPES}{target.id}/"
        response = send(eng, "delete", url, HTTP_IF_MATCH=f'"{version_of(target.id)}"')
        assert (
            response.status_code == 200 and response.json()["properties"]["status"] == "abandoned"
        )
        x, y = target.mid
        box = f"{x - 0.001},{y - 0.001},{x + 0.001},{y + 0.001}"
        listed = {f["id"] for f in eng.get(f"{PIPES}?bbox={box}").json()["features"]}
        every = {f["id"] for f in eng.get(f"{PIPES}?bbox={box}&all=true").json()["features"]}
        assert target.id not in listed and target.id in every
        assert eng.get(url).status_code == 200
        version = response.json()["properties"]["version"]
        restored = send(eng, "post", f"{url}restore/", {"version": version})
        assert restored.status_code == 200
        assert restored.json()["properties"]["status"] == "in_service"

    def test_split_then_merge(self, eng, target):  # noqa: F811
        body = {"point": list(target.mid), "version": version_of(target.id)}
        split = send(eng, "post", f"{PIPES}{target.id}/split/", body)
        assert split.status_code == 200
        parts = split.json()["features"]
        assert [f["id"] for f in parts][0] == target.id and len(parts) == 2
        assert parts[0]["geometry"]["coordinates"][-1] == parts[1]["geometry"]["coordinates"][0]
        ids = [f["id"] for f in parts]
        merged = send(eng, "post", "/api/v1/layers/pipes/merge/", {"ids": ids, "versions": [2, 1]})
        assert merged.status_code == 200 and merged.json()["id"] == target.id
        assert not PipeSegment.objects.filter(pk=ids[1]).exists()

    def test_merge_refusal_names_the_reason_and_place(self, eng, target, spot):  # noqa: F811
        other = draw(spot, moved(spot, east_m=20)).pipe_ids[0]
        body = {"ids": [target.id, other], "versions": [version_of(target.id), 1]}
        response = send(eng, "post", "/api/v1/layers/pipes/merge/", body)
        assert response.status_code == 400
        details = response.json()["error"]["details"]
        assert details["problem"] == "merge_not_adjacent" and details["location"]

    def test_move_by_metres(self, eng, spot):  # noqa: F811
        pipe_id = draw(spot, moved(spot, east_m=30)).pipe_ids[0]
        response = send(eng, "post", f"{PIPES}{pipe_id}/move/", {"offset_m": [0, 15], "version": 1})
        assert response.status_code == 200
        start = response.json()["geometry"]["coordinates"][0]
        assert metres(start, moved(spot, north_m=15)) < 0.01


class ValidationApiTests:
    @pytest.mark.parametrize(
        ("case", "field", "problem"),
        [
            ("bowtie", "geometry", "self_intersection"),
            ("crs", "crs", "crs_unknown"),
            ("strings", "geometry", "coordinates_malformed"),
            ("range", "geometry", "coordinates_out_of_range"),
            ("no_diameter", "properties.diameter_mm", "diameter_mm_missing"),
            ("bad_material", "properties.material", "material_invalid"),
            ("outside", "geometry", "outside_county"),
            ("point", "geometry", "geometry_type"),
            ("not_feature", "body", "feature_expected"),
        ],
    )
    def test_refusals_name_field_and_location(self, eng, spot, case, field, problem):  # noqa: F811
        a, b = spot, moved(spot, east_m=30)
        body = {
            "bowtie": line_feature(a, moved(a, 20, 20), moved(a, 20, 0), moved(a, 0, 20)),
            "crs": line_feature(a, b, geometry_crs="urn:ogc:def:crs:EPSG::3857"),
            "strings": line_feature(a, [str(b[0]), str(b[1])]),
            "range": line_feature(a, (200.0, 24.8)),
            "no_diameter": line_feature(a, b, diameter_mm=None),
            "bad_material": line_feature(a, b, material="wood"),
            "outside": line_feature(a, (113.1, a[1])),
            "point": {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(a)}},
            "not_feature": {"type": "LineString", "coordinates": [list(a), list(b)]},
        }[case]
        before = fingerprint()
        response = send(eng, "post", PIPES, body)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "bad_request" and error["message"]
        assert (error["details"]["field"], error["details"]["problem"]) == (field, problem)
        if case in ("bowtie", "range", "no_diameter", "bad_material", "outside"):
            assert len(error["details"]["location"]) == 2
        assert fingerprint() == before

    def test_wgs84_crs_member_is_accepted(self, eng, spot):  # noqa: F811
        body = line_feature(spot, moved(spot, east_m=30), geometry_crs="EPSG:4326")
        assert send(eng, "post", PIPES, body).status_code == 201

    def test_nan_in_json_is_a_400(self, eng, spot):  # noqa: F811
        raw = json.dumps(line_feature(spot, moved(spot, east_m=30))).replace(str(spot[0]), "NaN", 1)
        response = eng.post(PIPES, data=raw, content_type="application/json")
        assert response.status_code == 400

    def test_bowtie_location_is_the_self_crossing(self, eng, spot):  # noqa: F811
        a = spot
        body = line_feature(a, moved(a, 20, 20), moved(a, 20, 0), moved(a, 0, 20))
        location = send(eng, "post", PIPES, body).json()["error"]["details"]["location"]
        assert metres(location, moved(a, 10, 10)) < 0.01


class NodeApiTests:
    def test_node_on_pipe_move_kind_and_delete(self, eng, target):  # noqa: F811
        created = send(eng, "post", NODES, point_feature(target.mid, kind="valve"))
        assert created.status_code == 201
        node = created.json()
        assert node["properties"]["degree"] == 2 and len(node["change"]["pipe_ids"]) == 2
        url = f"{NODES}{node['id']}/"
        read = eng.get(url).json()["properties"]
        assert (read["version"], read["degree"], read["kind"]) == (1, 2, "valve")
        to = moved(target.mid, east_m=1)
        moved_node = send(eng, "patch", url, point_feature(to, version=1, kind="hydrant"))
        assert moved_node.status_code == 200
        assert moved_node.json()["properties"]["kind"] == "hydrant"
        end = eng.get(f"{PIPES}{target.id}/").json()["geometry"]["coordinates"][-1]
        assert end == pytest.approx(moved_node.json()["geometry"]["coordinates"], abs=1e-7)
        in_use = send(eng, "delete", url, {"version": moved_node.json()["properties"]["version"]})
        assert in_use.status_code == 400
        assert in_use.json()["error"]["details"]["problem"] == "node_in_use"

    def test_delete_an_orphan_node(self, eng, spot):  # noqa: F811
        created = send(eng, "post", NODES, point_feature(spot, kind="hydrant"))
        node_id = created.json()["id"]
        response = send(eng, "delete", f"{NODES}{node_id}/", {"version": 1})
        assert response.status_code == 200 and response.json()["deleted"] is True
        assert not PipeNode.objects.filter(pk=node_id).exists()


class HistoryApiTests:
    def test_history_and_revert(self, eng, target):  # noqa: F811
        url = f"{PIPES}{target.id}/"
        current = eng.get(url).json()["properties"]
        version, original = current["version"], current["diameter_mm"]
        send(eng, "patch", url, props_feature(version=version, diameter_mm=150))
        history = eng.get(f"{url}history/").json()
        latest = history["results"][0]
        assert latest["operation"] == "pipe_update" and latest["user"] == "engineer"
        assert latest["before"]["pipes"][0]["properties"]["diameter_mm"] == original
        assert latest["after"]["pipes"][0]["properties"]["diameter_mm"] == 150
        assert latest["before"]["pipes"][0]["geometry"]["type"] == "LineString"
        reverted = send(eng, "post", f"{url}history/{latest['id']}/revert/")
        assert reverted.status_code == 200
        assert reverted.json()["features"][0]["properties"]["diameter_mm"] == original
        assert eng.get(f"{url}history/").json()["results"][0]["reverts"] == latest["id"]

    def test_revert_after_the_pipe_moved_on_is_409(self, eng, target):  # noqa: F811
        url = f"{PIPES}{target.id}/"
        version = eng.get(url).json()["properties"]["version"]
        send(eng, "patch", url, props_feature(version=version, diameter_mm=150))
        old = eng.get(f"{url}history/").json()["results"][0]["id"]
        send(eng, "patch", url, props_feature(version=version + 1, diameter_mm=200))
        before = fingerprint()
        response = send(eng, "post", f"{url}history/{old}/revert/")
        assert response.status_code == 409
        assert response.json()["error"]["details"]["current"]["properties"]["diameter_mm"] == 200
        assert fingerprint() == before


class PermissionApiTests:
    @pytest.mark.parametrize("role", ["official", "planner"])
    def test_only_engineers_write(self, client, django_user_model, target, spot, role):  # noqa: F811
        client.force_login(django_user_model.objects.get(username=role))
        before = fingerprint()
        pipe = f"{PIPES}{target.id}/"
        requests = [
            ("post", PIPES, line_feature(spot, moved(spot, east_m=30))),
            ("patch", pipe, {"type": "Feature", "properties": {"version": 1}}),
            ("delete", pipe, None),
            ("post", f"{pipe}split/", {"point": list(target.mid)}),
            ("post", f"{pipe}restore/", {}),
            ("post", "/api/v1/layers/pipes/merge/", {"ids": [1, 2]}),
            (
                "post",
                NODES,
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": list(spot)},
                    "properties": {"kind": "valve"},
                },
            ),
            ("post", "/api/v1/network/crossings/", {"pipes": [1, 2]}),
            ("post", "/api/v1/network/leaks/", {"type": "Feature", "properties": {}}),
        ]
        for method, url, body in requests:
            response = send(client, method, url, body)
            assert response.status_code == 403, (method, url)
            assert response.json()["error"]["code"] == "permission_denied"
        assert client.get(pipe).status_code == 200  # reading is still allowed
        assert client.get("/api/v1/network/validate/?bbox=112.3,24.7,112.4,24.8").status_code == 200
        assert fingerprint() == before

    def test_anonymous_writes_are_refused(self, client, spot):  # noqa: F811
        response = send(client, "post", PIPES, line_feature(spot, moved(spot, east_m=30)))
        assert response.status_code in (401, 403)


class CsrfTests:
    def test_session_writes_need_the_csrf_token(self, engineer, spot):  # noqa: F811
        client = Client(enforce_csrf_checks=True)
        client.force_login(engineer)
        body = line_feature(spot, moved(spot, east_m=30))
        refused = send(client, "post", PIPES, body)
        assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
        client.get("/accounts/login/")  # sets the csrftoken cookie, as any page does
        token = client.cookies["csrftoken"].value
        accepted = send(client, "post", PIPES, body, HTTP_X_CSRFTOKEN=token)
        assert accepted.status_code == 201

    def test_token_writes_need_no_csrf_token(self, engineer, spot):  # noqa: F811
        client = Client(enforce_csrf_checks=True)
        key = Token.objects.create(user=engineer).key
        body = line_feature(spot, moved(spot, east_m=30))
        response = send(client, "post", PIPES, body, HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 201


class IdempotencyApiTests:
    def test_retried_create_is_applied_once(self, eng, spot):  # noqa: F811
        body = line_feature(spot, moved(spot, east_m=30))
        pipes, changes = PipeSegment.objects.count(), NetworkChange.objects.count()
        first = send(eng, "post", PIPES, body, HTTP_IDEMPOTENCY_KEY="draw-1")
        again = send(eng, "post", PIPES, body, HTTP_IDEMPOTENCY_KEY="draw-1")
        assert first.status_code == again.status_code == 201
        assert first.content == again.content and again["Idempotent-Replayed"] == "true"
        assert PipeSegment.objects.count() == pipes + 1
        assert NetworkChange.objects.count() == changes + 1

    def test_retried_patch_answers_the_same_not_a_conflict(self, eng, target):  # noqa: F811
        url = f"{PIPES}{target.id}/"
        version = eng.get(url).json()["properties"]["version"]
        body = props_feature(version=version, diameter_mm=150)
        first = send(eng, "patch", url, body, HTTP_IDEMPOTENCY_KEY="k-7")
        again = send(eng, "patch", url, body, HTTP_IDEMPOTENCY_KEY="k-7")
        assert first.status_code == again.status_code == 200 and first.content == again.content
        assert PipeSegment.objects.get(pk=target.id).version == version + 1

    def test_key_reused_for_another_request_is_refused(self, eng, spot):  # noqa: F811
        send(
            eng, "post", PIPES, line_feature(spot, moved(spot, east_m=30)), HTTP_IDEMPOTENCY_KEY="k"
        )
        other = line_feature(spot, moved(spot, north_m=30))
        response = send(eng, "post", PIPES, other, HTTP_IDEMPOTENCY_KEY="k")
        assert response.status_code == 422
        assert response.json()["error"]["details"]["problem"] == "idempotency_key_reused"


def leakage(client, zone: str) -> dict:
    url = f"/api/v1/compliance/results/?year=2024&indicator=supply.leakage&code={zone}"
    return client.get(url).json()["results"][0]["details"]


class ComplianceFollowsEditTests:
    def test_retiring_a_dn75_pipe_changes_the_zone_leakage(self, eng):
        pipe = PipeSegment.objects.filter(
            supply_zone__code="SZ02", status="in_service", diameter_mm__gte=75
        ).order_by("-length_m")[0]
        before = leakage(eng, "SZ02")
        retired = send(eng, "delete", f"{PIPES}{pipe.pk}/", HTTP_IF_MATCH=str(pipe.version))
        assert retired.status_code == 200
        evaluate_pending()  # the worker's pass, woken by the edit's commit
        after = leakage(eng, "SZ02")
        assert after["km_dn75_plus"] == pytest.approx(
            before["km_dn75_plus"] - pipe.length_m / 1000, rel=1e-9
        )
        assert after["a"] < before["a"]


class LeakApiTests:
    def test_record_list_filter_and_repair(self, eng, client, official, target):  # noqa: F811
        body = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(target.beside(2))},
            "properties": {"pipe_id": target.id, "found_on": "2024-07-02", "cause": "爆管"},
        }
        created = send(eng, "post", "/api/v1/network/leaks/", body)
        assert created.status_code == 201
        leak = created.json()
        assert metres(leak["geometry"]["coordinates"], target.mid) < 1e-3
        listed = eng.get(f"/api/v1/network/leaks/?pipe={target.id}&repaired=false").json()
        assert [f["id"] for f in listed["features"]] == [leak["id"]]
        url = f"/api/v1/network/leaks/{leak['id']}/"
        assert leak["properties"]["version"] == 1
        patch = props_feature(repaired_on="2024-07-03", estimated_loss_m3=30, version=1)
        repaired = send(eng, "patch", url, patch)
        assert repaired.status_code == 200 and repaired.json()["properties"]["repaired"] is True
        zone = repaired.json()["properties"]["supply_zone_code"]
        found = eng.get(f"/api/v1/network/leaks/?zone={zone}&repaired=true&found_from=2024-07-01")
        assert leak["id"] in [f["id"] for f in found.json()["features"]]
        negative = send(eng, "patch", url, props_feature(estimated_loss_m3=-5, version=2))
        assert negative.status_code == 400
        assert negative.json()["error"]["details"]["field"] == "properties.estimated_loss_m3"
        client.force_login(official)
        assert client.get(url).status_code == 200

    def test_ledger_page_costs_a_constant_number_of_queries(
        self,
        eng,
        target,  # noqa: F811
        django_assert_max_num_queries,
    ):
        for day in range(1, 6):
            body = point_feature(target.mid, pipe_id=target.id, found_on=f"2024-03-0{day}")
            assert send(eng, "post", "/api/v1/network/leaks/", body).status_code == 201
        # session, user, user and group permissions, count, page: whatever the page size
        with django_assert_max_num_queries(6):
            page = eng.get("/api/v1/network/leaks/?found_from=2024-03-01&page_size=50").json()
        assert page["count"] >= 5 and len(page["features"]) >= 5


class NetworkValidateApiTests:
    def test_problems_as_geojson_and_a_crossing_mark(self, eng, django_assert_max_num_queries):
        with django_assert_max_num_queries(10):
            response = eng.get("/api/v1/network/validate/")
        assert response.status_code == 200
        data = response.json()
        assert all(data["counts"][kind] >= 1 for kind in data["counts"])
        crossing = next(
            f for f in data["features"] if f["properties"]["problem"] == "crossing_without_node"
        )
        assert crossing["geometry"]["type"] == "Point"
        pair = crossing["properties"]["pipe_ids"]
        marked = send(eng, "post", "/api/v1/network/crossings/", {"pipes": pair, "note": "上跨"})
        assert marked.status_code == 201
        again = eng.get("/api/v1/network/validate/").json()
        assert (
            again["counts"]["crossing_without_node"] == data["counts"]["crossing_without_node"] - 1
        )
        assert not any(f["properties"]["pipe_ids"] == pair for f in again["features"])

    def test_crossing_list_costs_the_same_queries_for_2_or_20_marks(self, eng, engineer):
        """Before, each mark looked its pipes' codes up in a query of its own (N+1)."""
        pipes = list(PipeSegment.objects.order_by("id")[:40])

        def mark(n: int) -> None:
            PipeCrossing.objects.all().delete()
            PipeCrossing.objects.bulk_create(
                PipeCrossing(pipe_a=pipes[2 * i], pipe_b=pipes[2 * i + 1], confirmed_by=engineer)
                for i in range(n)
            )

        counts = []
        for n in (2, 20):
            mark(n)
            eng.get("/api/v1/network/crossings/")  # warm: the session's user
            with CaptureQueriesContext(connection) as ctx:
                body = eng.get("/api/v1/network/crossings/").json()
            assert len(body["results"]) == n
            assert body["results"][0]["pipe_codes"] == [pipes[0].code, pipes[1].code]
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1]

    def test_bad_bbox_is_a_400(self, eng):
        response = eng.get("/api/v1/network/validate/?bbox=1,2,3")
        assert response.status_code == 400 and "bbox" in response.json()["error"]["details"]


class AdminTests:
    def test_history_and_crossings_in_the_admin(self, client, django_user_model, target):  # noqa: F811
        draw(target.beside(-10), target.beside(10))  # a change to show
        client.force_login(django_user_model.objects.get(username="admin"))
        for model in ("networkchange", "pipecrossing", "idempotentrequest", "pipenode"):
            assert client.get(f"/admin/network/{model}/").status_code == 200, model
        change = NetworkChange.objects.order_by("-id").first()
        page = client.get(f"/admin/network/networkchange/{change.pk}/change/")
        assert page.status_code == 200 and f"#{change.pk}".encode() in page.content


class ReadRoutesTests:
    def test_generic_reads_still_work_and_schema_builds(self, eng, tmp_path):
        for slug in ("pipes", "pipe-nodes", "towns"):
            page = eng.get(f"/api/v1/layers/{slug}/features/?page_size=2").json()
            assert page["type"] == "FeatureCollection" and len(page["features"]) == 2
            first = page["features"][0]
            assert eng.get(f"/api/v1/layers/{slug}/features/{first['id']}/").status_code == 200
        path = tmp_path / "schema.yml"
        call_command("spectacular", "--file", str(path))
        schema = path.read_text()
        for route in ("/api/v1/layers/pipes/merge/", "/api/v1/network/validate/", "revert/"):
            assert route in schema


@pytest.mark.django_db
class AdminThroughServicesTests:
    """The admin shows pipes on the map but changes them only through the network services."""

    def test_attribute_edit_is_versioned_and_recorded(self, client, django_user_model):
        from network.models import NetworkChange, PipeSegment

        engineer = django_user_model.objects.get(username="engineer")
        client.force_login(engineer)
        pipe = PipeSegment.objects.filter(status="in_service").order_by("id").first()
        url = f"/admin/network/pipesegment/{pipe.pk}/change/"
        page = client.get(url)
        assert page.status_code == 200
        form = page.context["adminform"].form
        assert form.fields["geom"].widget.modifiable is False  # shown on the map, not editable
        data = {k: v for k, v in form.initial.items() if v is not None and k != "geom"}
        data.update(
            {"diameter_mm": 150 if pipe.diameter_mm != 150 else 200, "geom": pipe.geom.geojson}
        )
        data["leaks-TOTAL_FORMS"] = data["leaks-INITIAL_FORMS"] = "0"
        response = client.post(url, data)
        assert response.status_code == 302, response.content[:1500]
        stored = PipeSegment.objects.get(pk=pipe.pk)
        assert stored.diameter_mm == data["diameter_mm"]
        assert stored.version == pipe.version + 1
        assert NetworkChange.objects.filter(pipe_ids__contains=[pipe.pk]).exists()
        assert client.get("/admin/network/pipesegment/add/").status_code == 403
