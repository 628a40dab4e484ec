"""Stored idempotent answers (other users' API responses) are not readable by engineers in the
admin: only superusers see them (issue 16, finding 10)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from network.models import IdempotentRequest

pytestmark = pytest.mark.django_db
URL = "/admin/network/idempotentrequest/"


@pytest.fixture
def answer() -> IdempotentRequest:
    """An answer the admin's request produced, holding data the engineer must not read."""
    return IdempotentRequest.objects.create(
        user=get_user_model().objects.get(username="admin"),
        key="admin-secret-key",
        fingerprint="0" * 64,
        status_code=201,
        body='{"properties": {"note": "SECRET-ANSWER"}}',
        content_type="application/geo+json",
    )


def signed_in(name: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=name))
    return client


class StoredAnswersPrivateTests:
    def test_engineer_cannot_list_or_open_stored_answers(self, answer):
        engineer = signed_in("engineer")
        for url in (URL, f"{URL}{answer.pk}/change/", f"{URL}{answer.pk}/history/"):
            response = engineer.get(url)
            assert response.status_code in (403, 404), url
            assert b"SECRET-ANSWER" not in response.content
            assert b"admin-secret-key" not in response.content

    def test_engineer_admin_index_does_not_offer_them(self, answer):
        page = signed_in("engineer").get("/admin/")
        assert page.status_code == 200
        assert b"/admin/network/pipesegment/" in page.content  # the network is there ...
        assert URL.encode() not in page.content  # ... its stored answers are not

    def test_no_role_holds_a_permission_on_them(self):
        for name in ("official", "engineer", "planner"):
            user = get_user_model().objects.get(username=name)
            assert not any(
                user.has_perm(f"network.{action}_idempotentrequest")
                for action in ("view", "change", "delete", "add")
            ), name

    def test_superuser_still_can(self, answer):
        response = signed_in("admin").get(f"{URL}{answer.pk}/change/")
        assert response.status_code == 200
