"""HTTP Basic with the API token as password (accounts/desktop_auth.py): what QGIS 3.22's
Basic authentication configuration sends, accepted on the OGC API and the desktop endpoints;
the account password and another user's token are not."""

from __future__ import annotations

import base64

import pytest
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

PATHS = (
    "/ogcapi",
    "/ogcapi/collections/pipes/items?limit=1",
    "/qgis/project.qgs",
    "/tiles/tilejson.json",
    "/styles/pipes.qml",
)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def key(engineer) -> str:
    Token.objects.filter(user=engineer).delete()
    return Token.objects.create(user=engineer).key


class TokenBasicTests:
    def test_the_token_as_password_reads_every_desktop_endpoint(self, client, key):
        for path in PATHS:
            response = client.get(path, HTTP_AUTHORIZATION=basic("engineer", key))
            assert response.status_code == 200, (path, response.content[:200])

    def test_the_user_name_as_the_login_form_compares_it(self, client, key):
        response = client.get("/ogcapi", HTTP_AUTHORIZATION=basic("Engineer", key))
        assert response.status_code == 200

    @pytest.mark.parametrize(
        "user,password",
        [
            ("engineer", "Engineer#Lianzhou2026"),  # the account password: never over Basic
            ("official", None),  # the engineer's token under another name
            ("engineer", "0" * 40),
            ("engineer", ""),
        ],
    )
    def test_refused_with_401(self, client, key, user, password):
        auth = basic(user, key if password is None else password)
        response = client.get("/ogcapi", HTTP_AUTHORIZATION=auth)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"

    def test_an_inactive_users_token_is_refused(self, client, key, engineer):
        engineer.is_active = False
        engineer.save(update_fields=["is_active"])
        response = client.get("/ogcapi", HTTP_AUTHORIZATION=basic("engineer", key))
        assert response.status_code == 401

    def test_a_token_write_over_basic_needs_no_csrf(self, client, key):
        """As with the Token header: QGIS has no CSRF token (OPTIONS shows the writes)."""
        response = client.options(
            "/ogcapi/collections/pipes/items", HTTP_AUTHORIZATION=basic("engineer", key)
        )
        assert response.status_code == 200
        assert "POST" in response["Allow"]
