"""Permission matrix: every URL of the site × every role × every method its view answers.

The URLs come from the URL configuration itself (get_resolver), so a new endpoint without an
entry in EXPECTED fails `test_every_url_has_a_policy`. Each entry says which roles a method is
allowed for; every other role must be refused (anonymous: pages redirect to the login page, the
API answers 401/403; signed in: 403, or the admin's own login redirect for non-staff), and a
refused write must leave the database as it was.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from compliance.models import Result
from dataio.models import ImportJob, ImportMapping
from network.models import (
    IdempotentRequest,
    LeakRecord,
    NetworkChange,
    PipeNode,
    PipeSegment,
)
from rasters.models import RasterLayer
from registers.models import Evidence

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "official", "engineer", "planner", "admin")
PUBLIC = frozenset(ROLES)
SIGNED_IN = frozenset(("official", "engineer", "planner", "admin"))
EDITORS = frozenset(("engineer", "admin"))
PLANNERS = frozenset(("planner", "admin"))
ADMINS = frozenset(("admin",))
NOBODY = frozenset()

R = {"get": SIGNED_IN}  # read-only for every signed-in role
NETWORK_READ_EDIT = {"get": SIGNED_IN, "post": EDITORS}
NETWORK_DETAIL = {"get": SIGNED_IN, "patch": EDITORS, "delete": EDITORS}
NETWORK_ACTION = {"post": EDITORS}

# URL name → {method: roles allowed}. Officials read; engineers edit the network; planners
# run scenarios; admins do everything. Consumption is read by every role (officials too).
EXPECTED: dict[str, dict[str, frozenset]] = {
    "home": R,
    "map": R,
    "data": R,
    "favicon": {"get": PUBLIC},
    "language": {"post": PUBLIC},
    "login": {"get": PUBLIC, "post": PUBLIC},
    "logout": {"post": PUBLIC},
    "network:pipe-merge": NETWORK_ACTION,
    "network:pipe-list": NETWORK_READ_EDIT,
    "network:pipe-detail": NETWORK_DETAIL,
    "network:pipe-split": NETWORK_ACTION,
    "network:pipe-restore": NETWORK_ACTION,
    "network:pipe-move": NETWORK_ACTION,
    "network:pipe-history": R,
    "network:pipe-revert": NETWORK_ACTION,
    "network:node-list": NETWORK_READ_EDIT,
    "network:node-detail": NETWORK_DETAIL,
    "network:node-history": R,
    "network:node-revert": NETWORK_ACTION,
    "network:leak-list": NETWORK_READ_EDIT,
    "network:leak-detail": {"get": SIGNED_IN, "patch": EDITORS},
    "network:network-validate": R,
    "network:pipe-isolation": R,
    "network:pipe-trace": R,
    "network:network-components": R,
    "network:crossing-list": NETWORK_READ_EDIT,
    "network:crossing-detail": {"delete": EDITORS},
    "layers:layer-list": R,
    "layers:search": R,
    "layers:feature-list": R,
    "layers:feature-detail": R,
    # OGC API – Features (docs/ogcapi.md): every layer read, pipes and nodes written by editors.
    "ogcapi:landing": R,
    "ogcapi:conformance": R,
    "ogcapi:api": R,
    "ogcapi:collections": R,
    "ogcapi:collection": R,
    "ogcapi:queryables": R,
    "ogcapi:items": NETWORK_READ_EDIT,
    "ogcapi:item": {"get": SIGNED_IN, "put": EDITORS, "patch": EDITORS, "delete": EDITORS},
    "compliance:indicator-list": R,
    "compliance:result-list": R,
    "compliance:scorecard": R,
    "compliance:city-rollup": R,
    "compliance:evaluate": {"post": ADMINS},
    "compliance:scenarios": {"post": PLANNERS},
    "compliance:scenario-presets": {"get": PLANNERS},
    "compliance:actions": R,
    "compliance:users-plans": R,
    "rasters:raster-list": R,
    "rasters:raster-value": R,
    "rasters:raster-zonal": R,
    "rasters:high-nodes": R,
    "reports:county": R,
    "reports:city": R,
    "reports:county-pdf": R,
    "reports:failure-map": R,
    "reports:self-assessment-docx": R,
    "reports:self-assessment-pdf": R,
    "registers:evidence-download": R,
    "registers:index": R,
    "scenario_pages:scenario": {"get": PLANNERS, "post": PLANNERS},
    "scenario_pages:actions": R,
    "registers:table": R,
    "registers:export-csv": R,
    "registers:export-xlsx": R,
    "registers:tasks": {"get": SIGNED_IN, "post": ADMINS},  # admins report progress
    "registers:import": {"get": ADMINS, "post": ADMINS},
    "layer-export": R,
    "network:hydraulics-export": {"get": EDITORS},
    "network:hydraulics-runs": {"get": SIGNED_IN, "post": EDITORS},
    "network:hydraulics-import": {"post": EDITORS},
    "network:hydraulics-run": R,
    "dataio:layer-import": {"get": ADMINS, "post": ADMINS},
    "dataio:records-import": {"get": ADMINS, "post": ADMINS},
    "dataio:raster-import": {"get": ADMINS, "post": ADMINS},
    "dataio:job": {"get": ADMINS, "post": ADMINS},
    "dataio:job-progress": {"get": ADMINS},
    "editor:edit": {"get": EDITORS},
    "consumption_pages:query": R,
    "consumption_pages:users": R,
    "consumption:list": R,
    "consumption:area": {"post": SIGNED_IN},
    "tile": R,
    "tile-key": R,  # the tile proxy's key of the reader (docs/scaling.md)
    # Desktop clients (docs/desktop-clients.md): TileJSON, MapLibre style, QML/SLD, every tile.
    "tilejson": R,
    "tile-style": R,
    "layer-tilejson": R,
    "tile-all": R,
    "layer-qml": R,
    "layer-sld": R,
    "qgis-project": R,
    "raster-overlay": R,
    "raster-world-file": R,
    "raster-hillshade": R,
    "api-schema": R,
    "api-docs": R,
}

# The admin site: staff only (admins; engineers are staff for the network). Per app (or model),
# who may open its pages; everything else in the admin is the admin role's.
ADMIN_SITE = {"admin:index": {"get": EDITORS}, "admin:login": {"get": PUBLIC}}
ADMIN_MODELS_BY_APP = {
    app: EDITORS
    for app in ("layers", "network", "consumption", "rasters", "compliance", "registers")
}
# Engineers add and delete these in the admin too (the network's own permissions).
ENGINEER_MODELS = {"network.pipesegment", "network.pipenode", "network.leakrecord"}
# Nobody adds these through the admin: the network is drawn in the editor (versions, history),
# verdicts are computed, the audit log and idempotency keys are written by the system.
NOBODY_ADDS = {
    "network.pipesegment",
    "network.pipenode",
    "network.networkchange",
    "network.idempotentrequest",
    "compliance.result",
    "audit.auditevent",
    "dataio.importjob",
}
# Pipes and nodes are retired (an action through the network services), never hard-deleted.
NOBODY_DELETES = {
    "network.networkchange",
    "network.pipesegment",
    "network.pipenode",
    "audit.auditevent",
    "dataio.importjob",
}
# Other users' stored API answers: the admin role's (superusers) only, in an app engineers see.
ADMINS_ONLY = {"network.idempotentrequest"}
ADMIN_VIEW_SUFFIXES = ("changelist", "add", "change", "history", "delete")
ADMIN_SKIPPED = {
    # Not pages of their own: the JavaScript catalogue, autocomplete, the generic
    # "view on site" redirect, the app index pages, password change and logout.
    "admin:jsi18n",
    "admin:autocomplete",
    "admin:view_on_site",
    "admin:app_list",
    "admin:password_change",
    "admin:password_change_done",
    "admin:logout",
    "admin:auth_user_password_change",
}


def url_patterns(patterns=None, namespace: str = "", prefix: str = ""):
    """(qualified name, route, callback) of every URL pattern, recursively."""
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from url_patterns(p.url_patterns, ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            # Unnamed patterns are the admin's redirects to a named page (tested there).
            yield f"{namespace}{p.name}", prefix + str(p.pattern), p.callback


def admin_policy(name: str) -> dict[str, frozenset] | None:
    if name in ADMIN_SITE:
        return ADMIN_SITE[name]
    for model, _model_admin in admin.site._registry.items():
        base = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        suffix = name[len(base) :]
        if not (name.startswith(base) and suffix in ADMIN_VIEW_SUFFIXES):
            continue
        label = model._meta.label_lower
        if suffix in ("add", "delete"):
            if label in (NOBODY_ADDS if suffix == "add" else NOBODY_DELETES):
                return {"get": NOBODY}
            return {"get": EDITORS if label in ENGINEER_MODELS else ADMINS}
        if label in ADMINS_ONLY:
            return {"get": ADMINS}
        return {"get": ADMIN_MODELS_BY_APP.get(model._meta.app_label, ADMINS)}
    return None


def policy(name: str) -> dict[str, frozenset] | None:
    if name.startswith("admin:"):
        return admin_policy(name)
    return EXPECTED.get(name)


def methods_of(callback) -> list[str]:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return ["get"]
    return [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)]


def admin_model(name: str):
    for model in admin.site._registry:
        if name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def concrete_url(name: str, route: str) -> str:
    """The route with its converters filled with demo ids and slugs."""
    values = {
        "<slug:slug>": "pipes",
        "<slug:kind>": "policy-documents",
        "<int:feature_id>": str(PipeSegment.objects.order_by("pk").values_list("pk", flat=True)[0]),
        "<int:change_id>": str(
            NetworkChange.objects.order_by("pk").values_list("pk", flat=True).first() or 1
        ),
        "<int:leak_id>": str(LeakRecord.objects.values_list("pk", flat=True).first() or 1),
        "<int:crossing_id>": "1",
        "<int:pipe_id>": str(
            PipeSegment.objects.filter(status="in_service").values_list("pk", flat=True)[0]
        ),
        "<int:evidence_id>": str(Evidence.objects.values_list("pk", flat=True).first() or 1),
        "<int:z>": "12",
        "<int:x>": "3327",
        "<int:y>": "1762",
        "<slug:target>": {
            "dataio:records-import": "area-stats",
            "dataio:raster-import": "rainfall",
        }.get(name, "sewage-plants"),
        "<int:run_id>": "1",
        "<uuid:job_id>": str(ImportJob.objects.values_list("pk", flat=True).first()),
    }
    if "node-" in name:
        values["<int:feature_id>"] = str(PipeNode.objects.values_list("pk", flat=True).first())
    if name.startswith("rasters:") or name in ("raster-overlay", "raster-world-file"):
        values["<slug:slug>"] = RasterLayer.objects.values_list("slug", flat=True).first()
    model = admin_model(name)
    if model is not None:
        # .pk of an instance: TokenProxy's admin URLs carry the user's id, not the key.
        first = model._default_manager.order_by().first()
        values["<path:object_id>"] = str(first.pk if first is not None else 1)
    url = "/" + route
    for key, value in values.items():
        url = url.replace(key, value)
    assert "<" not in url, f"no demo value for a converter of {name}: {route}"
    return url


def all_cases():
    cases = []
    for name, route, callback in url_patterns():
        if name in ADMIN_SKIPPED:
            continue
        rules = policy(name)
        if rules is None:
            continue
        for method in methods_of(callback):
            if method in rules or name.startswith("admin:"):
                cases.append((name, route, method))
    return cases


def state() -> tuple:
    """What a refused write must leave unchanged."""
    User = get_user_model()
    return (
        PipeSegment.objects.count(),
        PipeSegment.objects.filter(retired_at__isnull=False).count()
        if hasattr(PipeSegment, "retired_at")
        else 0,
        PipeNode.objects.count(),
        LeakRecord.objects.count(),
        NetworkChange.objects.count(),
        Result.objects.count(),
        User.objects.count(),
    )


def client_for(role: str):
    client = Client()
    if role != "anonymous":
        client.force_login(get_user_model().objects.get(username=role))
    return client


class PermissionMatrixTests:
    def test_every_url_has_a_policy(self):
        missing = [
            f"{name} ({route})"
            for name, route, _cb in url_patterns()
            if name not in ADMIN_SKIPPED and policy(name) is None
        ]
        assert missing == [], f"URLs without an entry in EXPECTED: {missing}"

    def test_every_policy_names_a_url(self):
        names = {name for name, _route, _cb in url_patterns()}
        assert set(EXPECTED) - names == set()

    def test_every_listed_method_is_answered_by_the_view(self):
        callbacks = {name: cb for name, _route, cb in url_patterns()}
        for name, rules in EXPECTED.items():
            assert set(rules) <= set(methods_of(callbacks[name])), name

    @pytest.mark.parametrize("role", ROLES)
    def test_matrix(self, role):
        # Every admin page gets a real object (a missing one redirects before any check).
        Token.objects.get_or_create(user=get_user_model().objects.get(username="admin"))
        ImportJob.objects.get_or_create(
            file_name="matrix.gpkg",
            defaults={"kind": "layer", "target": "sewage-plants", "staged_name": "matrix.gpkg",
                      "created_by": get_user_model().objects.get(username="admin")},
        )  # fmt: skip
        ImportMapping.objects.get_or_create(name="matrix", defaults={"target": "pipes"})
        IdempotentRequest.objects.get_or_create(
            user=get_user_model().objects.get(username="admin"),
            key="matrix",
            defaults={"fingerprint": "0" * 64, "status_code": 200, "body": "{}"},
        )
        client = client_for(role)
        wrong = []
        for name, route, method in all_cases():
            if name in ("logout",):
                continue  # would end this client's session; covered in test_logout
            allowed = role in policy(name).get(method, NOBODY)
            url = concrete_url(name, route)
            before = state() if method != "get" else None
            if method == "get":
                response = client.get(url)
            else:
                response = getattr(client, method)(url, data="{}", content_type="application/json")
            status = response.status_code
            location = response.headers.get("Location", "")
            if allowed:
                ok = status not in (401, 403) and "login" not in location and status < 500
            elif role == "anonymous":
                ok = status in (401, 403) or (status == 302 and "login" in location)
            elif name.startswith("admin:") and role in ("official", "planner"):
                ok = status == 302 and "/admin/login/" in location  # not staff
            else:
                ok = status == 403
            if before is not None and not allowed and state() != before:
                wrong.append(f"{method.upper()} {url}: refused write changed stored data")
            if not ok:
                verdict = "allowed" if allowed else "refused"
                wrong.append(f"{method.upper()} {url} ({name}): {status} {location}, {verdict}")
        assert wrong == [], "\n".join(wrong)

    def test_logout(self):
        client = client_for("official")
        assert client.post("/accounts/logout/").status_code == 302
        assert client.get("/map/").status_code == 302  # signed out
