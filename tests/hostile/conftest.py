"""Hostile-input fixtures: token clients per role, the error shape, stored-data fingerprints."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.helpers import layer_tables, tables_fingerprint

# Tables a hostile write could reach beyond the layer tables: verdicts, history, idempotency.
EXTRA_TABLES = [
    "compliance_result",
    "layers_networkchange",
    "layers_pipecrossing",
    "layers_idempotentrequest",
]


def stored_fingerprint() -> dict[str, str]:
    """Row count and md5 of every layer table, plus counts of the other writable tables."""
    out = tables_fingerprint()
    with connection.cursor() as cur:
        for table in EXTRA_TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
            out[table] = str(cur.fetchone()[0])
    return out


def token_client(user) -> APIClient:
    """An API client authenticated by token (no session, so no CSRF token needed)."""
    token, _created = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def engineer_client(engineer) -> APIClient:
    return token_client(engineer)


@pytest.fixture
def official_client(official) -> APIClient:
    return token_client(official)


@pytest.fixture
def planner_client(django_user_model) -> APIClient:
    return token_client(django_user_model.objects.get(username="planner"))


def assert_error(response, *statuses: int) -> dict:
    """The response is one of `statuses` (4xx) with the DESIGN error shape; returns the error."""
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].split(";")[0] in ("application/json", "application/geo+json")
    body = json.loads(response.content)
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"]
    assert isinstance(error.get("message"), str) and error["message"]
    assert isinstance(error.get("details"), dict | list)
    return error


__all__ = ["layer_tables", "assert_error", "stored_fingerprint", "token_client"]
