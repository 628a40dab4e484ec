"""Login throttling: too many failed logins for a user name or from an address within a window
refuse further attempts until the window has passed; a successful login resets the count.

The counts are the audit log's own rows (kept in PostgreSQL), so every gunicorn worker sees
the same numbers; a per-process cache would let an attacker multiply the limit by the number of
workers.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import client_ip

Kind = AuditEvent.Kind


def _failures_since_success(window_start, **key) -> int:
    """Failed logins matching key (actor= or ip=) since window_start and since the last success
    matching the same key."""
    last_ok = AuditEvent.objects.filter(kind=Kind.LOGIN, created_at__gte=window_start, **key)
    since = last_ok.aggregate(at=Max("created_at"))["at"] or window_start
    return AuditEvent.objects.filter(kind=Kind.LOGIN_FAILED, created_at__gt=since, **key).count()


def login_throttled(username: str, request) -> bool:
    """True when `username` has had LOGIN_FAILURE_LIMIT failed logins, or the request's
    address LOGIN_FAILURE_LIMIT_PER_IP, within the last LOGIN_FAILURE_WINDOW_S seconds (and no
    success since)."""
    window_start = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S)
    if username and (
        _failures_since_success(window_start, actor=username[:150]) >= settings.LOGIN_FAILURE_LIMIT
    ):
        return True
    ip = client_ip(request)
    return bool(ip) and (
        _failures_since_success(window_start, ip=ip) >= settings.LOGIN_FAILURE_LIMIT_PER_IP
    )
