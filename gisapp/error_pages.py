"""Error answers (400, 403, 404, 500, CSRF failure): JSON on the paths machines read (the API,
tiles, OGC API, QGIS files, raster files), a translated page in the site's layout elsewhere;
and the filter that keeps secrets off Django's debug pages.

The 500 page is rendered without the request (no context processor, so no user, session or any
other database query): the database may be what failed.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.debug import SafeExceptionReporterFilter

from layers.api_errors import json_error

# Paths machines read (the API, tiles, OGC API, QGIS project and styles, raster files): their
# errors are JSON in the API's shape, never an HTML page.
JSON_PREFIXES = ("/api/", "/tiles/", "/ogcapi", "/qgis/", "/styles/", "/rasters/")


def wants_json(request: HttpRequest) -> bool:
    """API and tile clients get the JSON error shape, browsers a page."""
    return request.path.startswith(JSON_PREFIXES)


def error_response(
    request: HttpRequest,
    status: int,
    message: str,
    details: dict | None = None,
    code: str | None = None,
) -> HttpResponse:
    """An error answer with the request's user and layout (400/403/404)."""
    if wants_json(request):
        return json_error(status, message, details, code=code)
    return render(request, f"{status}.html", {"status": status, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400 (SuspiciousOperation, BadRequest, a broken upload). A body over
    DATA_UPLOAD_MAX_MEMORY_SIZE is a 413, as the API's own handler answers."""
    if isinstance(exception, RequestDataTooBig):
        message = _("The request body is too large.")
        if wants_json(request):
            return json_error(413, message)
        return render(request, "400.html", {"status": 413, "message": message}, status=413)
    return error_response(request, 400, _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: a page view the user's role does not allow."""
    return error_response(request, 403, _("You do not have permission to open this page."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form that expired or was not sent from this site."""
    return error_response(
        request,
        403,
        _(
            "The form could not be accepted: it has expired or was not sent from this site. "
            "Reload the page and try again."
        ),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: never the list of URL patterns, whatever DEBUG says."""
    if wants_json(request):
        return json_error(404, _("Not found."))
    return error_response(request, 404, _("No page lives at this address."))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: rendered without the request, so no user, session or database query."""
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    with translation.override(language):
        message = _("Internal error; it has been logged.")
        if wants_json(request):
            response = json_error(500, message)
        else:
            page = render_to_string("500.html", {"status": 500, "message": message})
            response = HttpResponse(page, status=500)
        response.headers["Content-Language"] = language
    return response


def _secrets() -> list[str]:
    """Values no debug page may show: SECRET_KEY, the database URL and passwords."""
    found = [settings.SECRET_KEY, os.environ.get("DATABASE_URL", "")]
    for db in settings.DATABASES.values():
        password = db.get("PASSWORD") or ""
        if password:
            found.append(f":{password}@")
            if len(password) >= 8:  # a short one is a common word ("gisapp"), not a secret
                found.append(password)
    return [s for s in found if s]


# Request headers and WSGI variables a debug page may show; the rest of request.META (the
# process environment under runserver: DATABASE_URL, SECRET_KEY…) is hidden.
SAFE_META = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH")
HIDDEN_HEADERS = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_X_CSRFTOKEN")


class SecretsHiddenReporterFilter(SafeExceptionReporterFilter):
    """DEFAULT_EXCEPTION_REPORTER_FILTER: with DEBUG on (only ever by choice, `DEBUG=1 make
    run`) the debug page lists settings names without their values, request headers without
    the environment, and hides any frame variable that holds a secret."""

    def get_safe_settings(self) -> dict:
        return {name: self.cleansed_substitute for name in dir(settings) if name.isupper()}

    def get_safe_request_meta(self, request) -> dict:
        meta = getattr(request, "META", {})
        return {
            key: value
            if key in SAFE_META or (key.startswith("HTTP_") and key not in HIDDEN_HEADERS)
            else self.cleansed_substitute
            for key, value in meta.items()
        }

    def cleanse_special_types(self, request, value):
        value = super().cleanse_special_types(request, value)
        try:
            text = repr(value)
        except Exception:  # noqa: BLE001 - a repr that fails shows nothing
            return self.cleansed_substitute
        if any(secret in text for secret in _secrets()):
            return self.cleansed_substitute
        return value
