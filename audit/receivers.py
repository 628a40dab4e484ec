"""Signal receivers: logins, logouts, failed logins, admin changes and network edits become
audit events. Connected in AuditConfig.ready(); models of other apps are named lazily
("app_label.Model"), so this app imports none of them."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save

from accounts.throttling import login_success_details
from accounts.usernames import login_key
from audit.models import AuditEvent
from audit.services import audit_record

Kind = AuditEvent.Kind

# django.contrib.admin LogEntry.action_flag → a word.
ADMIN_ACTIONS = {1: "added", 2: "changed", 3: "deleted"}


def on_login(sender, request, user, **kwargs) -> None:
    details = login_success_details(user.get_username())  # resets this name's failure count
    audit_record(kind=Kind.LOGIN, request=request, user=user, summary="login", details=details)


def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(kind=Kind.LOGOUT, request=request, user=user, summary="logout")


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username") or "")
    # Counted by the throttle under the normalised name; the name as typed kept beside it.
    key = login_key(username)
    audit_record(
        kind=Kind.LOGIN_FAILED,
        request=request,
        actor=key,
        outcome=AuditEvent.Outcome.FAILED,
        summary="failed login",
        details={"typed": username[:150]} if username != key else None,
    )


def on_admin_change(sender, instance, created, **kwargs) -> None:
    """Every change made through the admin site (users, groups, indicators, layers...)."""
    if not created:
        return
    action = ADMIN_ACTIONS.get(instance.action_flag, str(instance.action_flag))
    model = instance.content_type.model_class() if instance.content_type_id else None
    object_type = model._meta.label_lower if model is not None else ""
    audit_record(
        kind=Kind.ADMIN_CHANGE,
        user=instance.user,
        object_type=object_type,
        object_id=instance.object_id or "",
        summary=f"{action} {object_type} {instance.object_repr}"[:500],
        details={"action": action, "change": instance.get_change_message()},
    )


def on_network_change(sender, instance, created, **kwargs) -> None:
    """A network edit (add, move, split, merge, retire, revert...): links its history entry."""
    if not created:
        return
    audit_record(
        kind=Kind.DATA_CHANGE,
        user=instance.user,
        object_type="network.networkchange",
        object_id=instance.pk,
        summary=(
            f"network {instance.operation}: pipes {instance.pipe_ids}, nodes {instance.node_ids}"
        )[:500],
        details={
            "operation": instance.operation,
            "pipe_ids": instance.pipe_ids,
            "node_ids": instance.node_ids,
        },
    )


def on_indicator_change(sender, instance, created, **kwargs) -> None:
    """A threshold or parameter change (the indicator's own history entry)."""
    if not created:
        return
    audit_record(
        kind=Kind.DATA_CHANGE,
        user=instance.changed_by,
        object_type="compliance.indicatorchange",
        object_id=instance.pk,
        summary=f"indicator change {instance}"[:500],
        details={"before": instance.before, "after": instance.after},
    )


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="audit_login")
    user_logged_out.connect(on_logout, dispatch_uid="audit_logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")
    post_save.connect(on_admin_change, sender="admin.LogEntry", dispatch_uid="audit_admin")
    post_save.connect(
        on_network_change, sender="network.NetworkChange", dispatch_uid="audit_network"
    )
    post_save.connect(
        on_indicator_change, sender="compliance.IndicatorChange", dispatch_uid="audit_indicator"
    )
