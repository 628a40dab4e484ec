"""schemathesis against our OpenAPI schema, in-process through the WSGI app, as an engineer
(writes allowed) and as an official: no 5xx, and responses conform to the schema. Besides the
generated cases, every operation is sent the hostile shapes of issue 16 (payloads.py): NUL
characters in every query parameter and in JSON strings, integers past PostgreSQL's bigint in
every path id, query parameter and JSON body (test_hostile_shapes_on_every_operation).

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
from .payloads import NUL_STRINGS, OVERFLOW_INTEGERS

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


def _path_values() -> dict[str, str]:
    from network.models import PipeSegment

    pipe = PipeSegment.objects.order_by("id").values_list("id", flat=True)[0]
    return {"slug": "pipes", "feature_id": str(pipe), "leak_id": "1", "crossing_id": "1"}


def hostile_cases(operation, values: dict[str, str]):
    """schemathesis cases of one operation carrying NUL characters and bigint overflows."""
    params = list(operation.iter_parameters())
    path = {p.name: values.get(p.name, "1") for p in params if "path" in str(p.location).lower()}
    query = [p.name for p in params if "query" in str(p.location).lower()]
    ids = [name for name in path if name.endswith("_id")]
    for name in query:
        yield operation.Case(path_parameters=path, query={name: NUL_STRINGS[1]})
        yield operation.Case(path_parameters=path, query={name: str(OVERFLOW_INTEGERS[2])})
    for name in ids:
        yield operation.Case(path_parameters={**path, name: OVERFLOW_INTEGERS[1]})
    if operation.method.lower() in ("post", "put", "patch"):
        for body in (
            {"properties": {"code": NUL_STRINGS[2]}, "ids": [1, 2], "year": 2024},
            {"ids": [OVERFLOW_INTEGERS[0], OVERFLOW_INTEGERS[3]], "pipe_id": 2**70},
        ):
            yield operation.Case(path_parameters=path, body=body, media_type="application/json")


@pytest.mark.parametrize("role", ["engineer", "planner"])
def test_hostile_shapes_on_every_operation(wsgi_app, django_user_model, role):
    from rest_framework.authtoken.models import Token

    user = django_user_model.objects.get(username=role)
    token, _created = Token.objects.get_or_create(user=user)
    schema = schemathesis.openapi.from_dict(openapi_schema())
    schema.app = wsgi_app
    schema.base_url = "http://localhost"
    before = tables_fingerprint()
    values = _path_values()
    statuses: Counter = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for case in hostile_cases(operation, values):
            response = case.call(headers={"Authorization": f"Token {token.key}"})
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{operation.label} [{response.status_code}] path={case.path_parameters} "
                    f"query={case.query} body={str(case.body)[:120]}"
                )
    assert failures == [], failures[:20]
    assert sum(statuses.values()) > 100 and statuses[400] > 50, statuses
    assert tables_fingerprint() == before
