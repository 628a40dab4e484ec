"""schemathesis against our OpenAPI schema, in-process through the WSGI app, as an engineer
(writes allowed) and as an official: no 5xx, and responses conform to the schema.

Bounded: FUZZ_EXAMPLES examples per operation (default 3, about a minute in `make test`);
`make fuzz` runs FUZZ_EXAMPLES=200 and prints the summary. The fuzzer's writes stay inside the
test's transaction (the WSGI app runs in this thread, on this connection) and are rolled back.
"""

from __future__ import annotations

import os
from collections import Counter

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.helpers import tables_fingerprint

from .openapi import openapi_schema

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler without the per-request connection closing, so that requests run
    inside the test's transaction (what Django's test client does too)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        cache.clear()  # cached versions/tiles of rolled-back writes must not outlive the test


def _runner(operation, headers: dict, statuses: Counter, failures: list[str]):
    """A hypothesis test calling one operation with generated cases and checking each answer."""

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:  # collected, reported together after the run
            for failure in group.exceptions:
                title = getattr(failure, "title", type(failure).__name__)
                failures.append(
                    f"{operation.label} [{response.status_code}] {title}: "
                    f"query={case.query} body={str(case.body)[:200]} "
                    f"answer={response.text[:200]}"
                )

    return run


def fuzz(schema, headers: dict) -> tuple[Counter, list[str]]:
    """Run every operation for EXAMPLES examples; (statuses seen, failure descriptions)."""
    statuses: Counter = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        _runner(result.ok(), headers, statuses, failures)()
    return statuses, failures


@pytest.mark.parametrize("role", ["engineer", "official"])
def test_fuzz_the_api(wsgi_app, django_user_model, role):
    from rest_framework.authtoken.models import Token

    user = django_user_model.objects.get(username=role)
    token, _created = Token.objects.get_or_create(user=user)
    schema = schemathesis.openapi.from_dict(openapi_schema())
    schema.app = wsgi_app
    schema.base_url = "http://localhost"
    # Verdicts are computed on first read (compliance_result): only the data tables count.
    before = tables_fingerprint() if role == "official" else None
    statuses, failures = fuzz(schema, {"Authorization": f"Token {token.key}"})
    operations = len(list(schema.get_all_operations()))
    print(
        f"\nfuzz[{role}]: {operations} operations, {EXAMPLES} examples each, "
        f"{sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}, "
        f"{len(failures)} failures"
    )
    for line in sorted(set(failures)):
        print("  FAIL", line)
    assert not any(s >= 500 for s in statuses) and failures == [], sorted(set(failures))[:20]
    assert sum(statuses.values()) >= operations
    if before is not None:  # an official may write nothing
        assert tables_fingerprint() == before
