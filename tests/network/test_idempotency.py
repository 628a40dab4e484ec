"""Idempotent writes keyed on (user, key, method, path, body): a retry of the same request is
replayed; the key sent with another body, method or path is refused 422; a replay whose
precondition (If-Match or the body's version) is not the one the key's write was made on is
refused 412. Nothing is written by a refusal."""

from __future__ import annotations

import pytest
from django.test import Client

from network.models import IdempotentRequest, NetworkChange, PipeSegment
from tests.network.test_api import (
    PIPES,
    eng,  # noqa: F401 - a fixture
    line_feature,
    props_feature,
    send,
    version_of,
)
from tests.network.test_services import (
    moved,
    spot,  # noqa: F401 - a fixture
    target,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db


def stored(pipe_id: int) -> tuple:
    """What a refused request must leave as it was."""
    pipe = PipeSegment.objects.get(pk=pipe_id)
    return pipe.version, pipe.diameter_mm, pipe.status, NetworkChange.objects.count()


def error_of(response) -> dict:
    return response.json()["error"]


class IdempotencyReplayTests:
    def test_a_retry_with_the_same_if_match_replays(self, eng, target):  # noqa: F811
        url, version = f"{PIPES}{target.id}/", version_of(target.id)
        body = props_feature(diameter_mm=150)
        headers = {"HTTP_IF_MATCH": f'"{version}"', "HTTP_IDEMPOTENCY_KEY": "im-1"}
        first = send(eng, "patch", url, body, **headers)
        again = send(eng, "patch", url, body, **headers)
        assert first.status_code == again.status_code == 200
        assert first.content == again.content and again["Idempotent-Replayed"] == "true"
        assert version_of(target.id) == version + 1

    def test_a_replay_with_a_stale_if_match_is_refused_not_replayed(self, eng, target):  # noqa: F811
        url = f"{PIPES}{target.id}/"
        send(eng, "patch", url, props_feature(version=version_of(target.id), diameter_mm=80))
        read = version_of(target.id)  # 2 or more: an older version exists
        body = props_feature(diameter_mm=150)
        first = send(eng, "patch", url, body, HTTP_IF_MATCH=f'"{read}"', HTTP_IDEMPOTENCY_KEY="k1")
        assert first.status_code == 200
        before = stored(target.id)
        for stale in (read - 1, read + 5):
            response = send(
                eng, "patch", url, body, HTTP_IF_MATCH=f'"{stale}"', HTTP_IDEMPOTENCY_KEY="k1"
            )
            assert response.status_code == 412, response.content
            assert "Idempotent-Replayed" not in response
            error = error_of(response)
            assert error["details"]["problem"] == "idempotency_precondition_changed"
            assert str(read) in error["message"] and str(stale) in error["message"]
        assert stored(target.id) == before

    def test_a_retire_replayed_with_a_stale_if_match_is_refused(self, eng, target):  # noqa: F811
        url, version = f"{PIPES}{target.id}/", version_of(target.id)
        first = send(eng, "delete", url, HTTP_IF_MATCH=str(version), HTTP_IDEMPOTENCY_KEY="rt")
        assert first.status_code == 200
        before = stored(target.id)
        assert before[2] != "in_service"  # retired
        stale = send(eng, "delete", url, HTTP_IF_MATCH=str(version + 7), HTTP_IDEMPOTENCY_KEY="rt")
        assert stale.status_code == 412
        retry = send(eng, "delete", url, HTTP_IF_MATCH=str(version), HTTP_IDEMPOTENCY_KEY="rt")
        assert retry.status_code == 200 and retry.content == first.content
        assert retry["Idempotent-Replayed"] == "true"
        assert stored(target.id) == before

    def test_a_replay_with_another_body_version_is_a_412(self, eng, target):  # noqa: F811
        url, version = f"{PIPES}{target.id}/", version_of(target.id)
        first = send(
            eng,
            "patch",
            url,
            props_feature(version=version, diameter_mm=150),
            HTTP_IDEMPOTENCY_KEY="bv",
        )
        assert first.status_code == 200
        before = stored(target.id)
        # The same edit said to be made on the version it produced: not the key's request.
        response = send(
            eng,
            "patch",
            url,
            props_feature(version=version + 1, diameter_mm=150),
            HTTP_IDEMPOTENCY_KEY="bv",
        )
        assert response.status_code == 412
        assert stored(target.id) == before


class IdempotencyKeyReuseTests:
    def test_another_body_is_refused_with_a_clear_message(self, eng, target):  # noqa: F811
        url, version = f"{PIPES}{target.id}/", version_of(target.id)
        send(
            eng,
            "patch",
            url,
            props_feature(version=version, diameter_mm=150),
            HTTP_IDEMPOTENCY_KEY="b",
        )
        before = stored(target.id)
        response = send(
            eng,
            "patch",
            url,
            props_feature(version=version, diameter_mm=200),
            HTTP_IDEMPOTENCY_KEY="b",
        )
        assert response.status_code == 422
        error = error_of(response)
        assert error["details"]["problem"] == "idempotency_key_reused"
        assert error["details"]["field"] == "Idempotency-Key"
        assert error["details"]["reason"] == "different_body"
        eng.cookies["django_language"] = "en"
        response = send(
            eng,
            "patch",
            url,
            props_feature(version=version, diameter_mm=200),
            HTTP_IDEMPOTENCY_KEY="b",
        )
        assert "different body" in error_of(response)["message"]
        assert stored(target.id) == before and before[1] == 150

    def test_another_method_or_path_is_refused(self, eng, target, spot):  # noqa: F811
        url, version = f"{PIPES}{target.id}/", version_of(target.id)
        send(
            eng,
            "patch",
            url,
            props_feature(version=version, diameter_mm=150),
            HTTP_IDEMPOTENCY_KEY="mp",
        )
        before = stored(target.id)
        deleted = send(
            eng, "delete", url, HTTP_IF_MATCH=str(version + 1), HTTP_IDEMPOTENCY_KEY="mp"
        )
        assert deleted.status_code == 422
        assert error_of(deleted)["details"]["reason"] == "different_request"
        assert f"PATCH {url}" in error_of(deleted)["message"]  # the key's request, named
        pipes = PipeSegment.objects.count()
        created = send(
            eng,
            "post",
            PIPES,
            line_feature(spot, moved(spot, east_m=30)),
            HTTP_IDEMPOTENCY_KEY="mp",
        )
        assert created.status_code == 422
        assert stored(target.id) == before and PipeSegment.objects.count() == pipes

    def test_keys_belong_to_their_user(self, eng, client, django_user_model, spot):  # noqa: F811
        first = send(
            eng,
            "post",
            PIPES,
            line_feature(spot, moved(spot, east_m=30)),
            HTTP_IDEMPOTENCY_KEY="shared",
        )
        assert first.status_code == 201
        admin = Client()
        admin.force_login(django_user_model.objects.get(username="admin"))
        other = send(
            admin,
            "post",
            PIPES,
            line_feature(spot, moved(spot, north_m=30)),
            HTTP_IDEMPOTENCY_KEY="shared",
        )
        assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
        assert IdempotentRequest.objects.filter(key="shared").count() == 2
