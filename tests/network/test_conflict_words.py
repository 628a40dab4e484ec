"""A refused revert names the pipe by its code and tells the writer's own later step from
someone else's (the editor then says "you have changed this pipe since" instead of blaming a
colleague)."""

from __future__ import annotations

import pytest
from django.test import Client

from network.models import PipeSegment
from tests.network.test_api import PIPES, props_feature, send
from tests.network.test_services import target  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("second_by", ["same engineer", "a colleague"])
def test_revert_conflict_names_the_code_and_the_author(
    target,  # noqa: F811
    engineer,
    django_user_model,
    second_by,
):
    """Change 1: the engineer sets DN150; change 2 (by the same engineer, or by the admin)
    sets DN200; reverting change 1 is refused 409, naming the pipe's code; changed_by_you
    is true only when change 2 was the engineer's own."""
    eng = logged_in(engineer)
    other = logged_in(django_user_model.objects.get(username="admin"))
    url = f"{PIPES}{target.id}/"
    version = eng.get(url).json()["properties"]["version"]
    send(eng, "patch", url, props_feature(version=version, diameter_mm=150))
    first = eng.get(f"{url}history/").json()["results"][0]["id"]
    second = eng if second_by == "same engineer" else other
    send(second, "patch", url, props_feature(version=version + 1, diameter_mm=200))
    response = send(eng, "post", f"{url}history/{first}/revert/")
    assert response.status_code == 409
    error = response.json()["error"]
    code = PipeSegment.objects.get(pk=target.id).code
    assert code in error["message"] and f" {target.id} " not in error["message"]
    assert error["details"]["changed_by_you"] is (second_by == "same engineer")
