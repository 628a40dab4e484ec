"""Vector tiles answered before Django's request machinery: the one hot request of the map.

A map pans through hundreds of tiles; a warm one was almost all framework (sixteen middlewares,
REST framework's dispatch, a serializer for two query parameters), and a small cold one mostly.
This WSGI wrapper answers a tile request itself once the session's user is known, reusing the
same pieces the view uses — never a rule of its own:

- the session and the data versions: `accounts.sessions.SessionStore.load()` (one query); for
  a tile not in this process's memory, presumed as last read and checked by the tile's own
  statement instead (`_cold_in_one_statement`), so a cold tile costs one round trip too;
- the user and its permissions: `accounts.authentication.cached_session_user` (the cache the
  API's session authentication fills, valid for the current `auth` version only);
- the permission: `layers.permissions.can_view_layer`; the area scope:
  `accounts.scope.request_scope` (cached per user and versions), bound with `scope_bound`;
- the tile's key and ETag: `layers.tiles.tile_plan`; the bytes: `layers.tiles.tile_content`
  (the shared cache, or built by the one tile query and kept there);
- the response headers: those Django gave the last tile it served in this process for the same
  scheme and language (security headers, Vary, Cache-Control), with the tile's own ETag and a
  Content-Security-Policy with a fresh nonce (`gisapp.middleware.content_security_policy`).

Anything else — no session cookie, a token or Basic credentials, a user not cached, no
permission, an option it does not parse exactly, a database error (a statement cancelled by the
read limit included, so such a tile may take twice that limit before its 503) — goes to Django
unchanged, which answers (and fills the caches) as always. It is on only where
the connections carry the read statement_timeout from the start (gunicorn:
settings.STATEMENT_TIMEOUT_ON_CONNECT) or a pooler does, so its queries are bounded too.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core import signals
from django.db import DatabaseError, ProgrammingError, connection
from django.http.cookie import parse_cookie
from django.utils import timezone
from psycopg.errors import InsufficientPrivilege, UndefinedTable

from accounts.authentication import AUTH_VERSION_KEY, cached_session_user
from accounts.scope import request_scope
from accounts.sessions import (
    KNOWN_SESSIONS_MAX,
    Presumed,
    SessionStore,
    known_session,
    with_session_sql,
)
from gisapp.middleware import LANGUAGE_COOKIE, content_security_policy
from layers.permissions import can_view_layer
from layers.prepared import execute_prepared, prepared_cursor
from layers.scope import scope_bound
from layers.services.versions import (
    current_layer_versions,
    forget_request_versions,
    remember_request_versions,
)
from layers.tile_cache import run_after_response, shared_or_build_sql, tile_cache_memory_get
from layers.tiles import (
    TilePlan,
    tile_content,
    tile_kept,
    tile_out_of_range,
    tile_plan,
    tile_sql,
    tiled_layers,
)

logger = logging.getLogger(__name__)

TILE_PATH = re.compile(
    r"/tiles/(?P<slug>[a-z0-9-]+)/(?P<z>\d{1,2})/(?P<x>\d{1,7})/(?P<y>\d{1,7})\.pbf"
)
MVT = "application/vnd.mapbox-vector-tile"
# Headers of Django's answer that belong to that one response, not to every tile.
# The policy carries a per-response nonce: each answer here gets a fresh one.
_PER_RESPONSE = {
    "etag",
    "content-length",
    "content-type",
    "set-cookie",
    "date",
    "server",
    "content-security-policy",
    "x-tile-key",
}
# year: digits only (the view's serializer bounds it); all: the spellings the map sends.
_YEAR = re.compile(r"\d{4}")
_ALL = {"true": True, "false": False, "1": True, "0": False}

_templates: dict[tuple, list[tuple[str, str]]] = {}
# Users of sessions this process served lately: session key → ((auth version, user id,
# password hash), user), see _user.
_users: dict[str, tuple[tuple, object]] = {}
_users_lock = threading.Lock()
_COOKIES = "gisapp.tile_fast_path.cookies"  # the parsed cookies, kept in the WSGI environ


class _Request:
    """What request_scope reads: the user (and its per-request memo)."""

    def __init__(self, user):
        self.user = user


def enabled() -> bool:
    return settings.TILE_FAST_PATH and (
        settings.STATEMENT_TIMEOUT_ON_CONNECT or settings.DATABASE_POOLED
    )


def _template_key(environ: dict) -> tuple:
    """Headers differ by HTTPS (HSTS) and by language (Content-Language): both read as Django
    reads them, so the keys are few whatever a client sends."""
    proxy = settings.SECURE_PROXY_SSL_HEADER
    secure = environ.get("wsgi.url_scheme") == "https" or bool(
        proxy and environ.get(proxy[0]) == proxy[1]
    )
    wanted = _cookies(environ).get(LANGUAGE_COOKIE)
    codes = {code for code, _name in settings.LANGUAGES}
    language = wanted if wanted in codes else None
    return (secure, language or settings.LANGUAGE_CODE)


def _cookies(environ: dict) -> dict[str, str]:
    """The request's cookies as Django reads them (request.COOKIES), parsed once."""
    found = environ.get(_COOKIES)
    if found is None:
        found = environ[_COOKIES] = parse_cookie(environ.get("HTTP_COOKIE", ""))
    return found


def _options(query: str) -> dict | None:
    """year and all exactly as the view reads them, or None (the view decides)."""
    out: dict = {"year": None, "all": False}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "year" and _YEAR.fullmatch(value) and 2000 <= int(value) <= 2100:
            out["year"] = int(value)
        elif name == "all" and value.lower() in _ALL:
            out["all"] = _ALL[value.lower()]
        else:
            return None
    return out


def warm_tile(environ: dict, after: list) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """(status, headers, body) of a tile answerable here, else None. `after` receives the calls
    to make once the answer is sent (layers.tiles.tile_content)."""
    match = TILE_PATH.fullmatch(environ.get("PATH_INFO", ""))
    if match is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    template = _templates.get(_template_key(environ))
    if template is None or "HTTP_AUTHORIZATION" in environ:
        return None
    slug, z, x, y = match["slug"], int(match["z"]), int(match["x"]), int(match["y"])
    options = _options(environ.get("QUERY_STRING", ""))
    if options is None or slug not in tiled_layers() or tile_out_of_range(z, x, y):
        return None
    session_key = _cookies(environ).get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return None
    address = (slug, z, x, y, options)
    presumed = known_session(session_key)
    cold = None
    if presumed is not None and "HTTP_IF_NONE_MATCH" not in environ:
        cold = _cold_in_one_statement(presumed, address, after)
    if cold is not None:
        plan, content = cold
    else:
        store = SessionStore(session_key)
        session = store.load()  # the session and the data versions, one query
        user = _user(session_key, session) if session else None
        if user is None or not user.is_active or not can_view_layer(user, slug):
            return None
        request = _Request(user)
        with scope_bound(lambda: request_scope(request)):
            plan = _plan(address)
            wanted = environ.get("HTTP_IF_NONE_MATCH", "")
            if wanted and _names(wanted, plan.etag):
                return (
                    "304 Not Modified",
                    [*_headers(template, plan), ("Content-Length", "0")],
                    b"",
                )
            content = tile_content(plan, after)
    headers = _headers(template, plan)
    if not content:
        return "204 No Content", [*headers, ("Content-Length", "0")], b""
    headers += [("Content-Type", MVT), ("Content-Length", str(len(content)))]
    return "200 OK", headers, b"" if environ["REQUEST_METHOD"] == "HEAD" else content


def _user(session_key: str, session: dict):
    """cached_session_user, without unpickling the user again while the entry it came from
    holds: the same `auth` version (users, groups, permissions unchanged), user id and
    password hash in the session. Only this path reads these users, and only reads them."""
    generation = current_layer_versions().get(AUTH_VERSION_KEY, 0)
    facts = (generation, str(session.get(SESSION_KEY)), session.get(HASH_SESSION_KEY, ""))
    found = _users.get(session_key)
    if found is not None and found[0] == facts:
        return found[1]
    user = cached_session_user(session_key, session)
    if user is not None:
        with _users_lock:
            if session_key not in _users and len(_users) >= KNOWN_SESSIONS_MAX:
                _users.pop(next(iter(_users)), None)  # the oldest entry
            _users[session_key] = (facts, user)
    return user


def _plan(address: tuple) -> TilePlan:
    slug, z, x, y, options = address
    return tile_plan(slug, z, x, y, year=options["year"], include_abandoned=options["all"])


def _cold_in_one_statement(
    presumed: Presumed, address: tuple, after: list
) -> tuple[TilePlan, bytes] | None:
    """A tile this process does not hold, in one round trip instead of two: the session and
    the data versions are presumed as this process last read them (its user, scope and the
    tile's key follow from them), and the statement that looks the tile up in the shared table
    or builds it reads them too, from the same snapshot, and does so only when they are what
    was presumed; else (a logout, an expiry, an edit, a changed session) nothing is built and
    the ordinary way runs. None also for a tile in memory (a warm tile: the ordinary way checks
    it with its one query) and for a user that may not have it (Django answers)."""
    if not settings.TILE_CACHE_ENABLED:
        return None
    slug, z, x, y, _options = address
    remember_request_versions(presumed.versions)
    answered = False
    try:
        user = _user(presumed.session_key, presumed.session)
        if user is None or not user.is_active or not can_view_layer(user, slug):
            return None
        request = _Request(user)
        with scope_bound(lambda: request_scope(request)):
            plan = _plan(address)
            if tile_cache_memory_get(plan.cache_key) is not None:
                return None
            sql, params = tile_sql(
                slug, z, x, y, include_hidden=plan.include_hidden, year=plan.year
            )
            try:
                with prepared_cursor() as cur:
                    execute_prepared(
                        cur,
                        with_session_sql(shared_or_build_sql(sql)),
                        [
                            presumed.session_key,
                            timezone.now(),
                            plan.cache_key,
                            *params,
                            presumed.session_data,
                            presumed.versions_json,
                        ],
                    )
                    session_data, versions, content, from_shared = cur.fetchone()
            except ProgrammingError as exc:
                if isinstance(exc.__cause__, UndefinedTable | InsufficientPrivilege):
                    return None  # the shared table unreadable: the ordinary way builds alone
                raise
        if not presumed.holds(session_data, versions):
            return None
        content = bytes(content) if content is not None else b""
        tile_kept(plan, content, built=not from_shared, after=after)
        answered = True
        return plan, content
    finally:
        if not answered:
            forget_request_versions()


def _headers(template: list[tuple[str, str]], plan: TilePlan) -> list[tuple[str, str]]:
    """The learnt headers, the tile's ETag and proxy key (layers.tiles.tile_proxy_key, as the
    view sends them) and a policy with a nonce of its own (as
    gisapp.middleware.SecurityHeadersMiddleware gives every response)."""
    policy = content_security_policy(secrets.token_urlsafe(18))
    return [
        *template,
        ("Content-Security-Policy", policy),
        ("ETag", plan.etag),
        ("X-Tile-Key", plan.proxy_key),
    ]


def _names(if_none_match: str, etag: str) -> bool:
    """If-None-Match names the ETag or '*' (weak comparison): as layers.api_tiles."""
    wanted = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in wanted or etag in wanted


class _Sent:
    """The answer's body; its close(), which the server calls once the body is sent, makes the
    `after` calls (the shared cache's insert) and ends the request as Django does."""

    def __init__(self, body: bytes, after: list):
        self.body, self.after = body, after

    def __iter__(self):
        yield self.body

    def close(self) -> None:
        try:
            run_after_response(self.after)
        finally:
            signals.request_finished.send(sender=TileFastPath)


class TileFastPath:
    """WSGI wrapper: warm tiles here, everything else (and every doubt) to Django."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if not enabled() or not TILE_PATH.fullmatch(environ.get("PATH_INFO", "")):
            return self.app(environ, start_response)
        signals.request_started.send(sender=self.__class__, environ=environ)
        # No `SELECT 1` health check first (CONN_HEALTH_CHECKS; a round trip of its own): a
        # connection the server cut fails the session query, and Django, answering instead,
        # finds the error, closes that connection and opens a new one.
        connection.health_check_done = True
        after: list = []
        try:
            answer = warm_tile(environ, after)
        except DatabaseError as exc:  # Django answers it properly (503)
            logger.info("tile fast path: %s", exc)
            answer = None
        except Exception:  # a fault here must never cost the tile: Django serves it
            logger.exception("tile fast path failed; Django answers")
            answer = None
        if answer is None:
            return self.app(environ, self._learning(environ, start_response))
        status, headers, body = answer
        sent = _Sent(body, after)
        try:
            start_response(status, headers)
        except BaseException:
            sent.close()
            raise
        return sent

    def _learning(self, environ, start_response):
        """Django's start_response, remembering a served tile's shared headers."""
        key = _template_key(environ)

        def remember(status, headers, exc_info=None):
            # A tile (200), an empty one (204) or a 304: the view's own answers, whose shared
            # headers are the same; an error's are not learnt.
            if status[:3] in ("200", "204", "304") and any(
                n.lower() == "etag" for n, _v in headers
            ):
                _templates[key] = [(n, v) for n, v in headers if n.lower() not in _PER_RESPONSE]
            return start_response(status, headers, exc_info)

        return remember
