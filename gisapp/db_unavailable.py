"""A lost database answers 503 with Retry-After: JSON on the paths machines read
(error_pages.JSON_PREFIXES), a page elsewhere.

The connection settings (conn_health_checks) make the next request after the database comes
back open a fresh connection, so the site recovers without a restart.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from gisapp.error_pages import wants_json
from gisapp.middleware import LANGUAGE_COOKIE
from layers.api_errors import json_error

logger = logging.getLogger(__name__)

# Seconds a client should wait before trying again (RFC 9110 §10.2.3).
RETRY_AFTER_S = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)
_MARK = "_database_unavailable"


def _cookie_language(request: HttpRequest) -> str:
    """The reader's language when the failure came before the language middleware ran (the
    first query of a request may be the statement timeout's SET): the cookie's, as
    gisapp.middleware.DefaultLanguageMiddleware would choose it."""
    wanted = request.COOKIES.get(LANGUAGE_COOKIE, settings.LANGUAGE_CODE)
    return (
        wanted if wanted in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE
    )


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer in the request's language; it touches neither the database nor the user.

    The page is rendered without the request, so no context processor looks up the user or
    the session (both live in the database).
    """
    language = getattr(request, "LANGUAGE_CODE", None) or _cookie_language(request)
    with translation.override(language):
        message = _("The database is unavailable; try again shortly.")
        if wants_json(request):
            response = json_error(503, message)
        else:
            page = render_to_string(
                "gisapp/database_unavailable.html",
                {"status": 503, "message": message, "retry_after": RETRY_AFTER_S},
            )
            response = HttpResponse(page, status=503)
        response.headers["Content-Language"] = language
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    response.headers["Cache-Control"] = "no-store"
    return response


def _mark_database_error(sender, request=None, **kwargs) -> None:
    """got_request_exception: remember that the request failed on the database.

    Django turns an exception raised in another middleware (the session or user lookup of
    LoginRequiredMiddleware, a session save) into a 500 before it reaches this middleware;
    the mark lets the middleware replace that 500 with the 503.
    """
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, DATABASE_ERRORS):
        setattr(request, _MARK, True)


class DatabaseUnavailableMiddleware:
    """Turns OperationalError/InterfaceError (connection refused or lost) into a 503.

    Place it before SessionMiddleware so that a failure in any later middleware is covered.
    API views answer 503 themselves (layers.api_errors); this adds Retry-After to them.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(
            _mark_database_error, dispatch_uid="gisapp_database_unavailable"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS as exc:
            # The 500 handler itself failed on the database: its page looks up the user.
            logger.warning("database unavailable: %s %s: %s", request.method, request.path, exc)
            return database_unavailable_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            logger.warning("database unavailable: %s %s answered 503", request.method, request.path)
            return database_unavailable_response(request)
        if response.status_code == 503:
            response.headers.setdefault("Retry-After", str(RETRY_AFTER_S))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        """A view that failed on the database (page views; DRF views handle their own)."""
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning(
                "database unavailable: %s %s: %s", request.method, request.path, exception
            )
            return database_unavailable_response(request)
        return None
