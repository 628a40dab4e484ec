"""Session authentication for hot read endpoints: the user and permissions come from the cache.

Django loads the session's user (one query) and `has_perm` its permissions (two more) on every
request. Here a safe request (GET/HEAD/OPTIONS) takes the user, with its permission set already
computed, from the cache under the session key; the first request of a session, and every
write, authenticate through Django as usual.

Freshness: the cached entry is valid only for the current `auth` data version, a counter in
the database (`layers_layerversion`) that any change to a user, a group or their permissions
bumps (database triggers, layers/version_triggers.py; a login's `last_login` does not). The
version is read once per request with the other data versions, so a role removed,
an account deactivated or a password changed is seen on the very next request by every worker
process, whatever cache each has. Logging out deletes the session row, so its key no longer
leads here.
"""

from __future__ import annotations

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.utils.crypto import constant_time_compare
from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS

from layers.services.versions import current_layer_versions

USER_CACHE_SECONDS = 8 * 3600  # an upper bound only: the auth version invalidates entries
AUTH_VERSION_KEY = "auth"


def _generation() -> int:
    return current_layer_versions().get(AUTH_VERSION_KEY, 0)


def _session_user_key(session_key: str) -> str:
    return f"auth:session-user:{session_key}"


def cached_session_user(session_key: str, session: dict):
    """The session's user with its permissions, when the cache holds it for the current `auth`
    version (and the session's user id and password hash still match); else None.

    `session` is the session's decoded data. Also the tile fast path's (gisapp/tile_fast_path.py)
    only way to a user: what it cannot find here, Django authenticates.
    """
    user_id = session.get(SESSION_KEY)
    if user_id is None:
        return None
    found = cache.get(_session_user_key(session_key))
    if (
        found is not None
        and found[0] == _generation()
        and str(found[1].pk) == str(user_id)
        and constant_time_compare(found[2], session.get(HASH_SESSION_KEY, ""))
    ):
        return found[1]
    return None


class CachedSessionAuthentication(SessionAuthentication):
    """DRF's session authentication, with the user and its permissions cached per session."""

    def authenticate(self, request):
        django_request = request._request
        session = getattr(django_request, "session", None)
        if request.method not in SAFE_METHODS or session is None or not session.session_key:
            return super().authenticate(request)
        if session.get(SESSION_KEY) is None:
            return None
        generation = _generation()
        user = cached_session_user(session.session_key, session)
        if user is None:
            # Django's own lookup: checks the session's password hash, may flush the session.
            user = getattr(django_request, "user", None)
            if not user or not user.is_active:
                return None
            user.get_all_permissions()  # computed once, kept on the cached object
            stored = (generation, user, session.get(HASH_SESSION_KEY, ""))
            cache.set(_session_user_key(session.session_key), stored, timeout=USER_CACHE_SECONDS)
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

    target_class = "accounts.authentication.CachedSessionAuthentication"
    name = "cachedCookieAuth"  # the same cookie; a second name keeps the components distinct
