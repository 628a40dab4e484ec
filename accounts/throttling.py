"""Login throttling: too many failed logins for a user name or from an address within a window
refuse further attempts until the window has passed.

A user name is counted in its normalised form (accounts.usernames.login_key: NFKC and case
folded), so no spelling of a name starts a fresh count. A successful login resets the count of
its own name only: an address's count is every failure from it within the window except those
of names that have since logged in (a colleague's typo followed by their own login), so logging
in to one's own account between guesses at another's clears nothing of the guesses.

The counts are the audit log's own rows (kept in PostgreSQL), so every gunicorn worker sees
the same numbers; a per-process cache would let an attacker multiply the limit by the number of
workers. Failed and refused logins are recorded under the normalised name (audit.receivers,
audit.forms); successful ones carry it in details["login_key"].
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.fields.json import KT
from django.utils import timezone

from accounts.usernames import login_key
from audit.models import AuditEvent
from audit.services import client_ip

Kind = AuditEvent.Kind
LOGIN_KEY = "login_key"  # the details entry of a successful login's audit row


def login_success_details(username: str) -> dict:
    """What a successful login's audit row carries so that it resets its own name's count."""
    return {LOGIN_KEY: login_key(username)}


def _name_failures(key: str, window_start: datetime) -> int:
    """Failed logins under this normalised name within the window, since its last success."""
    last_ok = (
        AuditEvent.objects.filter(kind=Kind.LOGIN, created_at__gte=window_start)
        .annotate(name=KT(f"details__{LOGIN_KEY}"))
        .filter(name=key)
        .aggregate(at=Max("created_at"))["at"]
    )
    since = Q(created_at__gt=last_ok) if last_ok else Q(created_at__gte=window_start)
    return AuditEvent.objects.filter(since, kind=Kind.LOGIN_FAILED, actor=key).count()


def _address_failures(ip: str, window_start: datetime) -> int:
    """Failed logins from this address within the window, less those whose name has logged
    in (from anywhere) after them."""
    later_success = (
        AuditEvent.objects.filter(kind=Kind.LOGIN, created_at__gt=OuterRef("created_at"))
        .annotate(name=KT(f"details__{LOGIN_KEY}"))
        .filter(name=OuterRef("actor"))
    )
    return (
        AuditEvent.objects.filter(kind=Kind.LOGIN_FAILED, ip=ip, created_at__gte=window_start)
        .exclude(Exists(later_success))
        .count()
    )


def login_throttled(username: str, request) -> bool:
    """True when `username` (normalised) has had LOGIN_FAILURE_LIMIT failed logins, or the
    request's address LOGIN_FAILURE_LIMIT_PER_IP, within the last LOGIN_FAILURE_WINDOW_S
    seconds (a name's failures end with its own successful login)."""
    window_start = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S)
    key = login_key(username)
    if key and _name_failures(key, window_start) >= settings.LOGIN_FAILURE_LIMIT:
        return True
    ip = client_ip(request)
    return bool(ip) and _address_failures(ip, window_start) >= settings.LOGIN_FAILURE_LIMIT_PER_IP
