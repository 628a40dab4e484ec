"""The four roles as groups with model permissions, kept in step after every migrate."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

# The apps whose every model each role may read.
VIEW_APPS = ("layers", "network", "consumption", "rasters", "compliance", "registers")
# Models engineers may add, change and delete: the network and its leak ledger.
ENGINEER_MODELS = ("pipesegment", "pipenode", "leakrecord")
# Models no role gets any permission on, whatever the grants above say: stored idempotent
# answers are other users' API responses (only superusers see them in the admin).
PRIVATE_MODELS = (("network", "idempotentrequest"),)

ROLES = ("official", "engineer", "planner", "admin")


def roles_sync(**_kwargs) -> None:
    """Create the role groups and give each its permissions (idempotent)."""
    view = Permission.objects.filter(
        content_type__app_label__in=VIEW_APPS, codename__startswith="view_"
    )
    engineer_edit = Permission.objects.filter(
        content_type__app_label="network",
        codename__in=[
            f"{action}_{model}"
            for model in ENGINEER_MODELS
            for action in ("add", "change", "delete", "view")
        ],
    )
    admin_all = Permission.objects.filter(
        content_type__app_label__in=(*VIEW_APPS, "auth", "authtoken")
    )
    audit_view = Permission.objects.filter(
        Q(content_type__app_label="audit", codename="view_auditevent")
        | Q(content_type__app_label="dataio", codename="view_importjob")
        # saved import mappings: administrators keep them (add, change, delete, view)
        | Q(content_type__app_label="dataio", content_type__model="importmapping")
    )
    scenario = Permission.objects.filter(
        content_type__app_label="compliance", codename="run_scenario"
    )
    grants = {
        "official": view,
        "planner": view | scenario,
        "engineer": view | engineer_edit,
        "admin": admin_all | audit_view,
    }
    private = Q()
    for app_label, model in PRIVATE_MODELS:
        private |= Q(content_type__app_label=app_label, content_type__model=model)
    for name in ROLES:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(grants[name].exclude(private))
