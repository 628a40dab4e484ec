"""API errors in the one shape of the contract: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from psycopg.errors import QueryCanceled
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dataio.importing.raster_import import RasterFileMissing

_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    503: "database_unavailable",
}


def error_body(status_code: int, message: str, details=None, code: str | None = None) -> dict:
    """The error document for a status code."""
    return {
        "error": {
            "code": code or _CODES.get(status_code, "error"),
            "message": message,
            "details": details or {},
        }
    }


def exception_handler(exc, context):
    """DRF's handler, reshaped; a lost database answers 503, a too large body 413."""
    if isinstance(exc, OperationalError) and isinstance(exc.__cause__, QueryCanceled):
        # statement_timeout (gisapp/db_timeouts.py): the transaction was rolled back.
        return Response(
            error_body(
                503,
                _("The request took too long and was stopped; nothing was saved. Try again later."),
                code="timeout",
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    if isinstance(exc, OperationalError | InterfaceError):
        return Response(
            error_body(503, _("The database is unavailable; try again shortly.")),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    if isinstance(exc, RasterFileMissing):  # server state, not the request: retry after repair
        return Response(
            error_body(503, exc.message, {"raster": exc.slug}, code=exc.code),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    if isinstance(exc, RequestDataTooBig):  # DATA_UPLOAD_MAX_MEMORY_SIZE, met on request.data
        return Response(
            error_body(413, _("The request body is too large.")),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        message, details = str(data["detail"]), {}
    elif isinstance(exc, exceptions.ValidationError):
        message, details = _("Invalid input."), data
    else:
        message, details = str(getattr(exc, "detail", exc)), {}
    code = getattr(exc, "error_code", None)
    response.data = error_body(response.status_code, message, details, code)
    return response


def json_error(
    status_code: int, message: str, details=None, code: str | None = None
) -> JsonResponse:
    """A plain Django JsonResponse in the error shape (for non-DRF views and handlers)."""
    return JsonResponse(error_body(status_code, message, details, code), status=status_code)
