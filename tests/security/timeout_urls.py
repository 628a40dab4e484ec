"""Test-only views (registered only by tests/security/test_statement_timeout.py): a write that
sleeps in PostgreSQL after storing a row, as an API view and as a page, and the timeout seen."""

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

SLOW_GROUP = "slow-request-row"


def _write_then_sleep() -> None:
    with transaction.atomic():
        Group.objects.create(name=SLOW_GROUP)
        with connection.cursor() as cur:
            cur.execute("SELECT pg_sleep(5)")


def _timeout() -> str:
    with connection.cursor() as cur:
        cur.execute("SHOW statement_timeout")
        return cur.fetchone()[0]


class SlowApi(APIView):
    def get(self, request):
        return Response({"statement_timeout": _timeout()})

    def post(self, request):
        if request.data.get("sleep"):
            _write_then_sleep()
        return Response({"statement_timeout": _timeout()})


def slow_page(request):
    if request.method == "POST":
        _write_then_sleep()
    return HttpResponse("done")


def timeout_page(request):
    return JsonResponse({"statement_timeout": _timeout()})


urlpatterns = [
    path("api/v1/test/slow/", SlowApi.as_view()),
    path("test/slow/", slow_page),
    path("test/timeout/", timeout_page),
    path("", include("gisapp.urls")),  # the site's own pages (the layout links to them)
]
