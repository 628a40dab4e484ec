"""Session authentication for hot read endpoints: the user and permissions come from the cache.

A warm tile must not touch the database, yet Django loads the session's user (one query) and
`has_perm` its permissions (two more) on every request. Here a safe request (GET/HEAD/OPTIONS)
takes the user, with its permission set already computed, from the cache under the session
key; the first request of a session, and every write, authenticate through Django as usual.

Freshness: an entry lives `USER_CACHE_SECONDS` at most (the browsers' tile max-age), and any
change to a user, a group or their permissions starts a new generation, which makes every
entry in that cache invalid at once (in a shared cache, for all processes; with per-process
local memory, in the process that made the change and elsewhere after the timeout). Logging
out flushes the session, so its key no longer leads here.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.crypto import constant_time_compare
from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS

USER_CACHE_SECONDS = 60
GENERATION_KEY = "auth:users:generation"


def auth_generation_bump(**_signal_kwargs) -> None:
    """Invalidate every cached user (signal receiver: users, groups, permissions changed)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def connect_auth_signals() -> None:
    """From AppConfig.ready(): any change to users, groups or permissions bumps the generation."""
    user_model = get_user_model()
    bump = auth_generation_bump
    for model in (user_model, Group):
        post_save.connect(bump, sender=model, dispatch_uid=f"auth-gen-save-{model}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"auth-gen-delete-{model}")
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(bump, sender=through, dispatch_uid=f"auth-gen-m2m-{through}")


def _generation() -> str:
    found = cache.get(GENERATION_KEY)
    if found is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        found = cache.get(GENERATION_KEY)
    return found


class CachedSessionAuthentication(SessionAuthentication):
    """DRF's session authentication, with the user and its permissions cached per session."""

    def authenticate(self, request):
        django_request = request._request
        session = getattr(django_request, "session", None)
        if request.method not in SAFE_METHODS or session is None or not session.session_key:
            return super().authenticate(request)
        user_id = session.get(SESSION_KEY)
        if user_id is None:
            return None
        key = f"auth:session-user:{session.session_key}"
        generation = _generation()
        found = cache.get(key)
        if (
            found is not None
            and found[0] == generation
            and str(found[1].pk) == str(user_id)
            and constant_time_compare(found[2], session.get(HASH_SESSION_KEY, ""))
        ):
            user = found[1]
        else:
            # Django's own lookup: checks the session's password hash, may flush the session.
            user = getattr(django_request, "user", None)
            if not user or not user.is_active:
                return None
            user.get_all_permissions()  # computed once, kept on the cached object
            stored = (generation, user, session.get(HASH_SESSION_KEY, ""))
            cache.set(key, stored, timeout=USER_CACHE_SECONDS)
        django_request.user = user
        self.enforce_csrf(request)
        return (user, None)


class CachedSessionMixin:
    """For read-heavy API views: swap DRF's SessionAuthentication for the cached one."""

    def get_authenticators(self):
        return [
            CachedSessionAuthentication() if type(a) is SessionAuthentication else a
            for a in super().get_authenticators()
        ]


class CachedSessionScheme(SessionScheme):
    """OpenAPI: CachedSessionAuthentication is the session cookie, as SessionAuthentication is
    (without it drf-spectacular warns, and `check --deploy` is not clean)."""

    target_class = "layers.authentication.CachedSessionAuthentication"
    name = "cachedCookieAuth"  # the same cookie; a second name keeps the components distinct
