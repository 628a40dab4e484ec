"""Every web request's SQL is bounded in time: a per-request statement_timeout, reads and writes
separately (STATEMENT_TIMEOUT_READ_S / STATEMENT_TIMEOUT_WRITE_S); a cancelled query answers 503.

The value is set on the request's connection when the request starts and reset (to the
connection's own default) when its response is done, so with persistent connections
(CONN_MAX_AGE) it never carries over to the next request, nor to anything else using that
connection. Under gunicorn (gisapp/wsgi.py) the connections start with the read limit as their
default, so a safe request sets nothing and only writes set (and reset) theirs. A transaction
may still raise its own limit for itself (`set_config(..., true)`, as an import does:
dataio/importing/lock.py). Management commands are not web
requests: they run with the database's default, or their own limits. Behind a transaction-mode
pooler (DATABASE_POOLED) nothing is SET here: the pooler's pools carry the limits.

The SET and RESET go through the driver's cursor, not Django's: they are the request's
frame, not its queries, so query counts (assertNumQueries) do not see them.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from psycopg import errors as pg_errors

from gisapp.error_pages import wants_json
from layers.api_errors import error_body

logger = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_AFTER_S = 30


def is_statement_timeout(exc: BaseException) -> bool:
    """True when a database error is a statement cancelled (statement_timeout, SQLSTATE 57014)."""
    return isinstance(exc, OperationalError) and isinstance(exc.__cause__, pg_errors.QueryCanceled)


def timeout_message() -> str:
    return _("The request took too long and was stopped; nothing was saved. Try again later.")


def timeout_ms(method: str) -> int:
    """The request's statement_timeout in milliseconds (0: none)."""
    seconds = (
        settings.STATEMENT_TIMEOUT_READ_S
        if method in READ_METHODS
        else settings.STATEMENT_TIMEOUT_WRITE_S
    )
    return max(0, int(float(seconds) * 1000))


def _raw_execute(sql: str, params: list | None = None) -> None:
    # Django's error wrapper: a lost connection raises django.db's OperationalError, which
    # DatabaseUnavailableMiddleware answers with 503 (the driver's own error would be a 500).
    # The health check first (CONN_HEALTH_CHECKS; Django runs it only when it opens a cursor of
    # its own, not in ensure_connection()), so a kept-alive connection the server terminated
    # between requests is replaced instead of failing this request.
    with connection.wrap_database_errors:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        with connection.connection.cursor() as cur:
            cur.execute(sql, params)


def statement_timeout_set(ms: int) -> None:
    """statement_timeout for the rest of this connection's session (until reset)."""
    _raw_execute("SELECT set_config('statement_timeout', %s, false)", [f"{ms}ms"])


def statement_timeout_reset() -> None:
    """Back to the connection's default; a connection that cannot say so is closed, so the
    request's value can never reach another request."""
    if connection.connection is None:
        return  # closed during the request: a new one starts from its default
    try:
        _raw_execute("RESET statement_timeout")
    except (DatabaseError, pg_errors.Error):
        if connection.in_atomic_block:
            return  # a test's enclosing transaction: its rollback undoes the SET too
        logger.warning("statement_timeout could not be reset; closing the connection")
        connection.close()


def timeout_response(request: HttpRequest) -> HttpResponse:
    """The 503 of a cancelled request: JSON on the paths machines read
    (error_pages.JSON_PREFIXES), a page elsewhere."""
    message = timeout_message()
    if wants_json(request):
        response = JsonResponse(error_body(503, message, code="timeout"), status=503)
    else:
        page = render_to_string(
            "gisapp/database_unavailable.html",
            {"status": 503, "message": message, "retry_after": RETRY_AFTER_S},
        )
        response = HttpResponse(page, status=503)
    response.headers["Content-Language"] = translation.get_language() or settings.LANGUAGE_CODE
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    response.headers["Cache-Control"] = "no-store"
    return response


class StatementTimeoutMiddleware:
    """Sets the request's statement_timeout, answers 503 when a query is cancelled by it, and
    resets it when the response is done (after the last chunk of a streamed response).

    Place it right after DatabaseUnavailableMiddleware: that one still answers a lost
    database (the SET itself may be the first query to meet it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        method = request.method or "GET"
        ms = timeout_ms(method)
        if ms == 0 or settings.DATABASE_POOLED:
            # Behind a transaction-mode pooler a session-level SET would stay on whichever
            # server connection ran it, for other clients, and the RESET could reach another
            # one: the pooler sets each pool's limit instead (docs/scaling.md).
            return self.get_response(request)
        if settings.STATEMENT_TIMEOUT_ON_CONNECT and method in READ_METHODS:
            # The web server's connections start with the read limit (settings/databases.py)
            # and every write's RESET returns to it: a safe request saves two round trips.
            return self.get_response(request)
        try:
            statement_timeout_set(ms)
        except DatabaseError:
            # The database is away (refused, or this kept-alive connection was cut): drop the
            # connection so the next request opens a fresh one, and let
            # DatabaseUnavailableMiddleware answer 503.
            connection.close()
            raise
        try:
            response = self.get_response(request)
        except BaseException:
            statement_timeout_reset()
            raise
        if response.streaming:
            # Its queries run while it is sent; close() runs the closers once it is done.
            response._resource_closers.append(statement_timeout_reset)
        else:
            statement_timeout_reset()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        """A page view whose query was cancelled (API views answer through
        layers.api_errors, which knows the same case)."""
        if is_statement_timeout(exception):
            logger.warning("statement timeout: %s %s", request.method, request.path)
            return timeout_response(request)
        return None
