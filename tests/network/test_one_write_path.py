"""One write path for network data (issue 16, findings 4 and 5): the admin goes through the
network services (no hard delete, the loaded version checked, the leak rules), every API
operation needs the version the client read (428 without, 409 stale, nothing changed), and
leak and crossing writes are in the network's history and the audit log, revertable."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from shapely.geometry import LineString

from audit.models import AuditEvent
from network.models import LeakRecord, NetworkChange, PipeCrossing, PipeNode, PipeSegment
from network.services.check import crossing_confirm
from network.services.edit import pipe_create, pipe_update
from network.services.history import change_revert
from network.services.leaks import leak_record
from network.services.nodes import node_update
from tests.network.test_services import (
    fingerprint,
    moved,
    spot,  # noqa: F401 - a fixture
    target,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db

PIPES = "/api/v1/layers/pipes/features/"
NODES = "/api/v1/layers/pipe-nodes/features/"
LEAKS = "/api/v1/network/leaks/"
ADMIN_PIPES = "/admin/network/pipesegment/"
ADMIN_LEAKS = "/admin/network/leakrecord/"


def send(client, method: str, url: str, body=None, **headers):
    if body is not None:
        headers["data"] = json.dumps(body)
    return getattr(client, method)(url, content_type="application/json", **headers)


def version_of(pipe_id: int) -> int:
    return PipeSegment.objects.get(pk=pipe_id).version


@pytest.fixture
def eng(client, engineer):
    client.force_login(engineer)
    return client


def point_geojson(lonlat) -> str:
    return json.dumps({"type": "Point", "coordinates": list(lonlat)})


def errors_of(response) -> str:
    """Every error the admin form shows (field and non-field), as one text."""
    form = response.context["adminform"].form
    return json.dumps(form.errors, ensure_ascii=False)


# --- finding 4: the admin ---------------------------------------------------------------
class AdminPipeTests:
    def test_an_engineer_cannot_hard_delete_a_pipe(self, eng, target):  # noqa: F811
        before = fingerprint()
        url = f"{ADMIN_PIPES}{target.id}/delete/"
        assert eng.get(url).status_code == 403
        assert eng.post(url, {"post": "yes"}).status_code == 403
        assert PipeSegment.objects.filter(pk=target.id).exists()
        assert fingerprint() == before

    def test_the_bulk_delete_action_is_gone_and_retire_replaces_it(self, eng, target):  # noqa: F811
        page = eng.get(ADMIN_PIPES)
        choices = [c[0] for c in page.context["action_form"].fields["action"].choices]
        assert "delete_selected" not in choices and "retire_selected" in choices
        bulk_delete = {"action": "delete_selected", "_selected_action": [target.id], "post": "yes"}
        eng.post(ADMIN_PIPES, bulk_delete)
        assert PipeSegment.objects.filter(pk=target.id).exists()

    def test_retire_selected_goes_through_the_service(self, eng, target):  # noqa: F811
        version = version_of(target.id)
        response = eng.post(
            ADMIN_PIPES, {"action": "retire_selected", "_selected_action": [target.id]}
        )
        assert response.status_code == 302
        pipe = PipeSegment.objects.get(pk=target.id)
        assert pipe.status == "abandoned" and pipe.version == version + 1
        change = NetworkChange.objects.filter(pipe_ids__contains=[target.id]).first()
        assert change.operation == "pipe_retire"
        assert AuditEvent.objects.filter(
            object_type="network.networkchange", object_id=str(change.pk)
        ).exists()
        # Restoring through the history's revert works as for any edit.
        change_revert(change_id=change.pk, user=None, pipe_id=target.id)
        assert PipeSegment.objects.get(pk=target.id).status == "in_service"

    def test_a_stale_change_form_is_refused_and_the_colleagues_edit_kept(
        self,
        eng,
        engineer,
        target,  # noqa: F811
    ):
        url = f"{ADMIN_PIPES}{target.id}/change/"
        page = eng.get(url)
        form = page.context["adminform"].form
        data = {k: v for k, v in form.initial.items() if v is not None and k != "geom"}
        data["geom"] = PipeSegment.objects.get(pk=target.id).geom.geojson
        loaded = version_of(target.id)
        assert str(loaded) in page.content.decode()  # the hidden version the form carries
        # A colleague saves the pipe meanwhile (the editor, the API, another admin form).
        pipe_update(
            pipe_id=target.id, version=loaded, properties={"diameter_mm": 150}, user=engineer
        )
        before = fingerprint()
        data.update(diameter_mm=200, loaded_version=loaded)
        response = eng.post(url, data)
        assert response.status_code == 200  # the form again, with the error
        errors = response.context["adminform"].form.non_field_errors()
        assert len(errors) == 1 and f"{loaded + 1}" in errors[0] and f"{loaded}" in errors[0]
        stored = PipeSegment.objects.get(pk=target.id)
        assert stored.diameter_mm == 150 and stored.version == loaded + 1
        assert fingerprint() == before

    def test_a_stale_node_form_is_refused(self, eng, engineer, target):  # noqa: F811
        node = PipeNode.objects.get(pk=PipeSegment.objects.get(pk=target.id).start_node_id)
        url = f"/admin/network/pipenode/{node.pk}/change/"
        form = eng.get(url).context["adminform"].form
        data = {k: v for k, v in form.initial.items() if v is not None and k != "geom"}
        data["geom"] = node.geom.geojson
        node_update(node_id=node.pk, version=node.version, properties={"kind": "valve"}, user=None)
        data.update(kind="hydrant", loaded_version=node.version)
        response = eng.post(url, data)
        assert response.status_code == 200
        assert PipeNode.objects.get(pk=node.pk).kind == "valve"

    def test_a_form_without_the_version_is_refused(self, eng, target):  # noqa: F811
        url = f"{ADMIN_PIPES}{target.id}/change/"
        form = eng.get(url).context["adminform"].form
        data = {k: v for k, v in form.initial.items() if v is not None and k != "geom"}
        data.pop("loaded_version")
        data.update(diameter_mm=200, geom=PipeSegment.objects.get(pk=target.id).geom.geojson)
        assert eng.post(url, data).status_code == 200
        assert PipeSegment.objects.get(pk=target.id).diameter_mm != 200


class AdminLeakTests:
    def form(self, target, **changes) -> dict:  # noqa: F811
        data = {
            "pipe": target.id,
            "geom": point_geojson(target.mid),
            "found_on": "2024-06-01",
            "repaired_on": "",
            "estimated_loss_m3": "12",
            "cause": "爆管",
        }
        return {**data, **changes}

    @pytest.mark.parametrize(
        ("case", "field"),
        [("future", "found_on"), ("planned", "pipe"), ("null_island", "geom")],
    )
    def test_the_leak_rules_hold_in_the_admin(self, eng, target, case, field):  # noqa: F811
        changes = {
            "future": {"found_on": "2099-01-01"},
            "planned": {},
            "null_island": {"geom": point_geojson((0, 0))},
        }[case]
        if case == "planned":
            PipeSegment.objects.filter(pk=target.id).update(status="planned")
        before = fingerprint(), LeakRecord.objects.count()
        response = eng.post(f"{ADMIN_LEAKS}add/", self.form(target, **changes))
        assert response.status_code == 200
        assert field in response.context["adminform"].form.errors
        assert (fingerprint(), LeakRecord.objects.count()) == before

    def test_the_reporter_is_the_logged_in_user(self, eng, engineer, official, target):  # noqa: F811
        data = self.form(target, recorded_by=official.pk)
        response = eng.post(f"{ADMIN_LEAKS}add/", data)
        assert response.status_code == 302, errors_of(response)
        leak = LeakRecord.objects.get(pipe_id=target.id, found_on=dt.date(2024, 6, 1))
        assert leak.recorded_by == engineer and leak.version == 1
        change = NetworkChange.objects.get(operation="leak_record", pipe_ids=[target.id])
        assert change.after["leaks"][0]["id"] == leak.pk
        assert AuditEvent.objects.filter(object_id=str(change.pk), user=engineer).exists()

    def test_a_stale_leak_form_is_refused(self, eng, engineer, target):  # noqa: F811
        leak = leak_record(pipe_id=target.id, at=None, found_on=dt.date(2024, 5, 1), user=None)
        url = f"{ADMIN_LEAKS}{leak.pk}/change/"
        form = eng.get(url).context["adminform"].form
        assert form.initial["loaded_version"] == 1
        send(
            eng,
            "patch",
            f"{LEAKS}{leak.pk}/",
            {"type": "Feature", "properties": {"cause": "冻裂", "version": 1}},
        )
        data = self.form(target, found_on="2024-05-01", cause="腐蚀", loaded_version=1)
        response = eng.post(url, data)
        assert response.status_code == 200
        stored = LeakRecord.objects.get(pk=leak.pk)
        assert stored.cause == "冻裂" and stored.version == 2


@pytest.fixture
def admin_client_(client, django_user_model):
    """The admin role (crossing marks are theirs in the admin)."""
    client.force_login(django_user_model.objects.get(username="admin"))
    return client


class AdminCrossingTests:
    def test_confirm_and_delete_go_through_the_services(self, admin_client_, spot):  # noqa: F811
        eng = admin_client_
        a = pipe_create(
            geom=LineString([moved(spot, east_m=-30), moved(spot, east_m=30)]),
            properties={"diameter_mm": 100, "material": "PE"},
            user=None,
        ).pipe_ids[0]
        b_line = LineString([moved(spot, north_m=-30), moved(spot, north_m=30)])
        # A planned main passing over: stored without a junction (as an import would).
        b = PipeSegment.objects.create(
            code="T-OVER-1", geom=b_line.wkt, diameter_mm=300, material="steel", status="planned"
        )
        response = eng.post("/admin/network/pipecrossing/add/", {"pipe_a": b.pk, "pipe_b": a})
        assert response.status_code == 302
        mark = PipeCrossing.objects.get(pipe_a_id=min(a, b.pk), pipe_b_id=max(a, b.pk))
        assert mark.confirmed_by.username == "admin"
        confirm = NetworkChange.objects.get(operation="crossing_confirm")  # the first
        assert sorted(confirm.pipe_ids) == sorted([a, b.pk])
        # Its note edited (the pair is fixed), recorded and revertable.
        edit = eng.post(
            f"/admin/network/pipecrossing/{mark.pk}/change/", {"note": "主管跨越", "pipe_a": a}
        )
        assert edit.status_code == 302
        mark.refresh_from_db()
        assert mark.note == "主管跨越" and mark.pipe_a_id == min(a, b.pk)
        noted = NetworkChange.objects.filter(operation="crossing_confirm").first()
        assert noted.after["crossings"][0]["note"] == "主管跨越"
        change_revert(change_id=noted.pk, user=None, pipe_id=a)
        mark.refresh_from_db()
        assert mark.note == ""
        delete = eng.post(f"/admin/network/pipecrossing/{mark.pk}/delete/", {"post": "yes"})
        assert delete.status_code == 302
        assert not PipeCrossing.objects.filter(pk=mark.pk).exists()
        removed = NetworkChange.objects.get(operation="crossing_delete")
        assert AuditEvent.objects.filter(object_id=str(removed.pk)).exists()
        change_revert(change_id=removed.pk, user=None, pipe_id=a)
        assert PipeCrossing.objects.filter(pk=mark.pk).exists()

    def test_pipes_that_do_not_cross_are_refused(self, admin_client_, target, spot):  # noqa: F811
        eng = admin_client_
        other = pipe_create(
            geom=LineString([spot, moved(spot, east_m=30)]),
            properties={"diameter_mm": 100, "material": "PE"},
            user=None,
        ).pipe_ids[0]
        before = fingerprint()
        response = eng.post(
            "/admin/network/pipecrossing/add/", {"pipe_a": target.id, "pipe_b": other}
        )
        assert response.status_code == 200
        assert fingerprint() == before


# --- finding 5: every operation takes the version ---------------------------------------
def _operation(name: str, target, version) -> tuple[str, str, dict | None, dict]:  # noqa: F811
    """(method, url, body, headers) of an operation on the target pipe, with `version` (None:
    without one)."""
    v = {} if version is None else {"version": version}
    url = f"{PIPES}{target.id}/"
    if name == "retire":
        return "delete", url, None, {} if version is None else {"HTTP_IF_MATCH": f'"{version}"'}
    if name == "restore":
        return "post", f"{url}restore/", v, {}
    if name == "move":
        return "post", f"{url}move/", {"offset_m": [0, 3], **v}, {}
    if name == "split":
        return "post", f"{url}split/", {"point": list(target.mid), **v}, {}
    raise ValueError(name)


class OperationVersionTests:
    @pytest.mark.parametrize("name", ["retire", "restore", "move", "split"])
    def test_without_a_version_is_428_and_nothing_changes(self, eng, target, name):  # noqa: F811
        if name == "restore":
            PipeSegment.objects.filter(pk=target.id).update(status="abandoned")
        before = fingerprint()
        method, url, body, headers = _operation(name, target, None)
        response = send(eng, method, url, body, **headers)
        assert response.status_code == 428
        error = response.json()["error"]
        assert error["code"] == "precondition_required" and error["message"]
        assert fingerprint() == before

    @pytest.mark.parametrize("name", ["retire", "restore", "move", "split"])
    def test_a_stale_version_is_409_and_nothing_changes(self, eng, target, name):  # noqa: F811
        if name == "restore":
            PipeSegment.objects.filter(pk=target.id).update(status="abandoned")
        current = version_of(target.id)
        pipe_update(
            pipe_id=target.id, version=current, properties={"install_year": 2001}, user=None
        )
        before = fingerprint()
        method, url, body, headers = _operation(name, target, current)
        response = send(eng, method, url, body, **headers)
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "conflict"
        assert error["details"]["current_version"] == current + 1
        assert fingerprint() == before

    def test_merge_needs_both_versions(self, eng, target):  # noqa: F811
        split = send(
            eng,
            "post",
            f"{PIPES}{target.id}/split/",
            {"point": list(target.mid), "version": version_of(target.id)},
        )
        ids = [f["id"] for f in split.json()["features"]]
        before = fingerprint()
        merge = "/api/v1/layers/pipes/merge/"
        missing = send(eng, "post", merge, {"ids": ids})
        assert missing.status_code == 428
        stale = [version_of(ids[0]) - 1, version_of(ids[1])]
        assert send(eng, "post", merge, {"ids": ids, "versions": stale}).status_code == 409
        assert fingerprint() == before
        current = [version_of(i) for i in ids]
        assert send(eng, "post", merge, {"ids": ids, "versions": current}).status_code == 200

    def test_a_node_delete_needs_its_version(self, eng, spot):  # noqa: F811
        created = send(
            eng,
            "post",
            NODES,
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(spot)},
             "properties": {"kind": "hydrant"}},
        )  # fmt: skip
        url = f"{NODES}{created.json()['id']}/"
        assert send(eng, "delete", url).status_code == 428
        assert send(eng, "delete", url, {"version": 7}).status_code == 409
        assert PipeNode.objects.filter(pk=created.json()["id"]).exists()
        assert send(eng, "delete", url, HTTP_IF_MATCH='W/"1"').status_code == 200


class LeakVersionTests:
    def leak(self, eng, target) -> dict:  # noqa: F811
        body = {
            "type": "Feature",
            "geometry": None,
            "properties": {"pipe_id": target.id, "found_on": "2024-04-02", "cause": "爆管"},
        }
        created = send(eng, "post", LEAKS, body)
        assert created.status_code == 201
        return created.json()

    def test_a_leak_update_without_its_version_is_428(self, eng, target):  # noqa: F811
        leak = self.leak(eng, target)
        before = fingerprint()
        patch = {"type": "Feature", "properties": {"estimated_loss_m3": 9}}
        response = send(eng, "patch", f"{LEAKS}{leak['id']}/", patch)
        assert response.status_code == 428
        assert fingerprint() == before
        assert LeakRecord.objects.get(pk=leak["id"]).estimated_loss_m3 == 0

    def test_a_stale_leak_update_is_409_and_keeps_the_first(self, eng, target):  # noqa: F811
        leak = self.leak(eng, target)
        url = f"{LEAKS}{leak['id']}/"
        first = send(
            eng, "patch", url, {"type": "Feature", "properties": {"cause": "冻裂", "version": 1}}
        )
        assert first.status_code == 200 and first.json()["properties"]["version"] == 2
        before = fingerprint()
        second = send(
            eng, "patch", url, {"type": "Feature", "properties": {"cause": "腐蚀", "version": 1}}
        )
        assert second.status_code == 409
        error = second.json()["error"]
        assert error["details"]["current_version"] == 2
        assert error["details"]["current"]["properties"]["cause"] == "冻裂"
        assert fingerprint() == before
        assert LeakRecord.objects.get(pk=leak["id"]).cause == "冻裂"


# --- audit and history of leaks and crossings -------------------------------------------
class LeakAndCrossingHistoryTests:
    def test_leak_record_and_update_are_in_the_history_and_the_audit_log(
        self,
        eng,
        engineer,
        target,  # noqa: F811
    ):
        body = {
            "type": "Feature",
            "geometry": None,
            "properties": {"pipe_id": target.id, "found_on": "2024-04-02"},
        }
        leak = send(eng, "post", LEAKS, body).json()
        patch = {"type": "Feature", "properties": {"repaired_on": "2024-04-03", "version": 1}}
        assert send(eng, "patch", f"{LEAKS}{leak['id']}/", patch).status_code == 200
        history = eng.get(f"{PIPES}{target.id}/history/").json()["results"]
        operations = [c["operation"] for c in history]
        assert operations[:2] == ["leak_update", "leak_record"]
        update = history[0]
        assert update["before"]["leaks"][0]["properties"]["repaired_on"] is None
        assert update["after"]["leaks"][0]["properties"]["repaired_on"] == "2024-04-03"
        for change in history[:2]:
            event = AuditEvent.objects.get(
                object_type="network.networkchange", object_id=str(change["id"])
            )
            assert event.kind == "data_change" and event.user == engineer
        # Reverting the record (from the pipe's history) removes the leak, as a new change.
        revert_update = f"{PIPES}{target.id}/history/{update['id']}/revert/"
        assert send(eng, "post", revert_update, {}).status_code == 200
        assert LeakRecord.objects.get(pk=leak["id"]).repaired_on is None
        stale_revert = f"{PIPES}{target.id}/history/{history[1]['id']}/revert/"
        assert send(eng, "post", stale_revert, {}).status_code == 409  # the leak moved on
        assert LeakRecord.objects.filter(pk=leak["id"]).exists()

    def test_crossing_confirm_and_delete_through_the_api_are_recorded(self, eng, engineer, spot):  # noqa: F811
        a = pipe_create(
            geom=LineString([moved(spot, east_m=-30), moved(spot, east_m=30)]),
            properties={"diameter_mm": 100, "material": "PE"},
            user=None,
        ).pipe_ids[0]
        b = PipeSegment.objects.create(
            code="T-OVER-2",
            geom=LineString([moved(spot, north_m=-30), moved(spot, north_m=30)]).wkt,
            diameter_mm=300,
            material="steel",
            status="planned",
        ).pk
        created = send(eng, "post", "/api/v1/network/crossings/", {"pipes": [a, b], "note": "跨越"})
        assert created.status_code == 201
        mark_id = created.json()["id"]
        assert send(eng, "delete", f"/api/v1/network/crossings/{mark_id}/").status_code == 204
        changes = NetworkChange.objects.filter(pipe_ids__contains=[a, b]).order_by("id")
        assert [c.operation for c in changes] == ["crossing_confirm", "crossing_delete"]
        for change in changes:
            assert AuditEvent.objects.filter(object_id=str(change.pk), user=engineer).exists()

    def test_confirming_twice_records_once(self, engineer, spot):  # noqa: F811
        a = pipe_create(
            geom=LineString([moved(spot, east_m=-30), moved(spot, east_m=30)]),
            properties={"diameter_mm": 100, "material": "PE"},
            user=None,
        ).pipe_ids[0]
        b = PipeSegment.objects.create(
            code="T-OVER-3",
            geom=LineString([moved(spot, north_m=-30), moved(spot, north_m=30)]).wkt,
            diameter_mm=300,
            material="steel",
            status="planned",
        ).pk
        crossing_confirm(pipe_ids=(a, b), user=engineer)
        crossing_confirm(pipe_ids=(b, a), user=engineer)
        assert NetworkChange.objects.filter(operation="crossing_confirm").count() == 1


def test_future_leak_is_refused_by_the_service_everywhere(target, engineer):  # noqa: F811
    from network.services.rules import NetworkError

    before = fingerprint()
    with pytest.raises(NetworkError) as refused:
        leak_record(
            pipe_id=target.id,
            at=None,
            found_on=timezone.localdate() + dt.timedelta(days=1),
            user=engineer,
        )
    assert refused.value.problem == "found_on_future"
    assert fingerprint() == before
