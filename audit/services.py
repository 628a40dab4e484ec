"""Writes to the audit log; one small call from wherever something worth recording happens."""

from __future__ import annotations

from django.conf import settings

from audit.models import AuditEvent

SYSTEM_ACTOR = "system"


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the address NUM_PROXIES trusted reverse proxies
    put in X-Forwarded-For (counted from the right, so a client cannot forge it)."""
    if request is None:
        return None
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    kind: str,
    request=None,
    user=None,
    actor: str = "",
    outcome: str = AuditEvent.Outcome.OK,
    object_type: str = "",
    object_id: str | int = "",
    summary: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Store one audit event. user: the acting user (None for the system or an anonymous
    attempt); actor: the name to show (defaults to the user's name, else 'system')."""
    if user is not None and not user.is_authenticated:
        user = None
    if not actor:
        actor = user.get_username() if user is not None else SYSTEM_ACTOR
    return AuditEvent.objects.create(
        kind=kind,
        outcome=outcome,
        user=user,
        actor=actor[:150],
        ip=client_ip(request),
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:500],
        details=details or {},
    )


def audit_import(
    *, kind: str, target: str, path, report=None, errors=None, user=None, request=None
) -> AuditEvent:
    """Record an import: file, rows, outcome; by a management command (actor 'system') or, from
    a page, by the user who uploaded the file."""
    details = {"file": str(path), "kind": kind}
    if report is not None:
        details.update(
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            retired=getattr(report, "retired", 0),
            dry_run=report.dry_run,
        )
        summary = report.summary().splitlines()[0]
        outcome = AuditEvent.Outcome.OK
    else:
        details["errors"] = [str(e) for e in (errors or [])][:20]
        details["error_count"] = len(errors or [])
        summary = f"{target}: refused, {len(errors or [])} problem(s)"
        outcome = AuditEvent.Outcome.REFUSED
    return audit_record(
        kind=AuditEvent.Kind.IMPORT,
        user=user,
        request=request,
        actor="" if user is not None else SYSTEM_ACTOR,
        outcome=outcome,
        object_type=kind,
        object_id=target,
        summary=summary,
        details=details,
    )
