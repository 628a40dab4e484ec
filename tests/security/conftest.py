"""Security tests count audit events: start each test from an empty log.

Browser and fault tests run earlier against the same database and commit their own events
(logins through the live server, imports in subprocesses); the deletion here is rolled back
with the test's transaction.
"""

import pytest


@pytest.fixture(autouse=True)
def _empty_audit_log(db):
    from audit.models import AuditEvent

    AuditEvent.objects.all().delete()
