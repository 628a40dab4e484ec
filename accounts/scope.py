"""A user's area scope (layers/scope.py), the middleware that binds it to each request, and
the name of the area the site speaks for (its title: "阳山县节水地理信息系统")."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.models import AreaMembership
from layers.models import AdminArea
from layers.scope import EVERYWHERE, NOWHERE, AreaScope, scope_bound
from layers.services.versions import current_layer_versions

_COUNTY = AdminArea.Level.COUNTY
_MISSING = object()
SCOPE_CACHE_SECONDS = 300


def scope_for_user(user) -> AreaScope:
    """The counties `user` may see and edit.

    Superusers: every county. A member of an area: the counties in it (a county itself; a
    city's or a province's counties, two levels down at most; a town's county). Anyone else:
    every county while the database holds at most one (a single-county installation needs no
    memberships), else none — a user must be given an area before they see anything.
    """
    if user is None or not user.is_authenticated:
        return NOWHERE
    if user.is_superuser:
        return EVERYWHERE
    membership = AreaMembership.objects.select_related("area").filter(user_id=user.pk).first()
    counties = AdminArea._base_manager.filter(level=_COUNTY)
    if membership is None:
        return EVERYWHERE if counties.count() <= 1 else NOWHERE
    area = membership.area
    if area.level == _COUNTY:
        ids = [area.id]
    elif area.level == AdminArea.Level.TOWN:
        ids = [area.parent_id] if area.parent_id else []
    else:
        ids = counties.filter(Q(parent=area) | Q(parent__parent=area)).values_list("id", flat=True)
    return AreaScope(frozenset(ids))


class AreaScopeMiddleware:
    """Binds the request's area scope, resolved from `request.user` when first needed (so a
    token authenticated inside an API view counts) and kept for the rest of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with scope_bound(lambda: request_scope(request)):
            return self.get_response(request)


def request_scope(request: HttpRequest) -> AreaScope:
    """The request user's scope, kept for the request and, across requests, in the process
    cache keyed on the data versions of access ("auth": users, groups, memberships) and of
    the areas ("towns": every AdminArea): a change to either gives new keys, so a warm
    request resolves its scope without a query (the versions come with the session)."""
    user = getattr(request, "user", None)
    pk = getattr(user, "pk", None)
    cached = getattr(request, "_area_scope", None)
    if cached is not None and cached[0] == pk:
        return cached[1]
    if pk is None:
        scope = scope_for_user(user)
    else:
        versions = current_layer_versions()
        key = f"area-scope:{pk}:{versions.get('auth', 0)}:{versions.get('towns', 0)}"
        counties = cache.get(key, _MISSING)
        if counties is _MISSING:
            counties = scope_for_user(user).counties
            cache.set(key, counties, timeout=SCOPE_CACHE_SECONDS)
        scope = AreaScope(counties)
    request._area_scope = (pk, scope)
    return scope


def acting_for(user):
    """Run a block (a background job) under `user`'s scope."""
    return scope_bound(lambda: scope_for_user(user))


def area_name_for_user(user) -> str | None:
    """The name of the area the site speaks for to `user`: their membership's area (a county,
    city or province); anyone without one (signed out, unassigned, a superuser without an
    area) gets the default county's (DEFAULT_COUNTY_CODE); None when neither exists."""
    if user is not None and user.is_authenticated:
        name = (
            AreaMembership.objects.filter(user_id=user.pk)
            .values_list("area__name", flat=True)
            .first()
        )
        if name:
            return name
    return (
        AdminArea._base_manager.filter(level=_COUNTY, code=settings.DEFAULT_COUNTY_CODE)
        .values_list("name", flat=True)
        .first()
    )


def request_area_name(request: HttpRequest) -> str | None:
    """area_name_for_user for the request's user, kept in the process cache on the data
    versions of access and of the areas (as request_scope is): no query on a warm request
    beyond the versions, which come with the session."""
    user = getattr(request, "user", None)
    pk = getattr(user, "pk", None)
    versions = current_layer_versions()
    key = f"area-name:{pk or '-'}:{versions.get('auth', 0)}:{versions.get('towns', 0)}"
    name = cache.get(key, _MISSING)
    if name is _MISSING:
        name = area_name_for_user(user) or ""
        cache.set(key, name, timeout=SCOPE_CACHE_SECONDS)
    return name or None


def site_title(request: HttpRequest) -> str:
    """The site's title for the request's reader, in the active language: "阳山县节水地理信息系统"
    for a 阳山县 user, the default county's for someone without an area, a generic title when
    no area is known."""
    name = request_area_name(request)
    if name is None:
        return _("Water-saving GIS")
    return _("%(area)s water-saving GIS") % {"area": name}
