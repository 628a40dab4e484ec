"""An audit event in the reader's language: the stored `summary` is the log's own English line
(for the command line and log files); pages and the admin show this sentence instead, built
from the event's kind and details."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.utils.translation import gettext as _

from audit.models import AuditEvent

Kind = AuditEvent.Kind
_ADMIN_ACTIONS = {
    "added": lambda: _("Added"),
    "changed": lambda: _("Changed"),
    "deleted": lambda: _("Deleted"),
}


def _model_name(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def _network_text(details: dict) -> str:
    operation = details.get("operation", "")
    change = apps.get_model("network", "NetworkChange")
    try:
        name = str(change.Operation(operation).label)
    except ValueError:
        name = operation
    return _("Network: %(operation)s (%(pipes)s pipe(s), %(nodes)s node(s))") % {
        "operation": name,
        "pipes": len(details.get("pipe_ids") or []),
        "nodes": len(details.get("node_ids") or []),
    }


# Names what an import went into (a layer, record kind or raster slug) for people; set by the
# dataio app at start-up (audit sits below the apps that know those names).
_import_target_namer: Callable[[str, str], str] = lambda kind, target: target  # noqa: E731


def import_target_namer_set(namer: Callable[[str, str], str]) -> None:
    global _import_target_namer  # noqa: PLW0603 - one namer for the process, set once
    _import_target_namer = namer


def _import_text(event: AuditEvent) -> str:
    d = event.details or {}
    target = _import_target_namer(d.get("kind", ""), event.object_id)
    where = {"target": target, "file": d.get("file", "")}
    if event.outcome != AuditEvent.Outcome.OK:
        return _("Import of %(target)s from %(file)s refused: %(n)s problem(s)") % {
            **where,
            "n": d.get("error_count", 0),
        }
    text = _(
        "Import of %(target)s from %(file)s: %(rows)s rows, %(created)s created, "
        "%(updated)s updated"
    ) % {
        **where,
        "rows": d.get("rows", 0),
        "created": d.get("created", 0),
        "updated": d.get("updated", 0),
    }
    if d.get("retired"):
        text += _(", %(n)s retired") % {"n": d["retired"]}
    if d.get("dry_run"):
        text += _(" (check only, nothing written)")
    return text


def event_text(event: AuditEvent) -> str:
    """The event as one sentence in the active language (the stored summary when its kind has
    no sentence of its own)."""
    d = event.details or {}
    if event.kind == Kind.LOGIN:
        return _("Logged in")
    if event.kind == Kind.LOGOUT:
        return _("Logged out")
    if event.kind == Kind.LOGIN_FAILED:
        return _("Failed login as %(name)s") % {"name": event.actor}
    if event.kind == Kind.LOGIN_REFUSED:
        return _("Login refused for %(name)s (too many failures)") % {"name": event.actor}
    if event.kind == Kind.IMPORT:
        return _import_text(event)
    if event.object_type == "network.networkchange":
        return _network_text(d)
    if event.object_type == "compliance.indicatorchange":
        return _("Indicator changed: %(what)s") % {
            "what": event.summary.removeprefix("indicator change ")
        }
    if event.kind == Kind.ADMIN_CHANGE:
        action = _ADMIN_ACTIONS.get(d.get("action", ""))
        if action is not None:
            return _("%(action)s %(model)s “%(object)s”") % {
                "action": action(),
                "model": _model_name(event.object_type),
                "object": event.summary.split(" ", 2)[-1] if event.summary.count(" ") >= 2 else "",
            }
    return event.summary
