"""Test-only views (registered only by tests/gisapp/test_replica.py): a read and a write of an
administrative area, each answering which database served it (pg_is_in_recovery() on the
connection the router chose)."""

from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connections, transaction
from django.http import JsonResponse
from django.urls import include, path

from layers.models import AdminArea
from layers.services.versions import current_layer_versions


def _in_recovery(alias: str) -> bool:
    with connections[alias].cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery()")
        return cur.fetchone()[0]


def area_read(request, code: str):
    """GET: is the area there, and which database said so. ?atomic=1: inside a transaction
    on the primary, as a service reads what it is about to change."""
    if request.GET.get("atomic"):
        with transaction.atomic():
            qs = AdminArea._base_manager.filter(code=code)
            return JsonResponse(
                {"found": qs.exists(), "alias": qs.db, "in_recovery": _in_recovery(qs.db)}
            )
    qs = AdminArea._base_manager.filter(code=code)
    return JsonResponse({"found": qs.exists(), "alias": qs.db, "in_recovery": _in_recovery(qs.db)})


def area_write(request):
    """POST: read, then write, in one request (as the services do)."""
    code = request.POST["code"]
    with transaction.atomic():
        before = AdminArea._base_manager.filter(code=code)
        existed = before.exists()
        area = AdminArea._base_manager.create(
            code=code,
            name=f"replica test {code}",
            level="county",
            geom=MultiPolygon(Polygon.from_bbox((101.0, 30.0, 101.1, 30.1)), srid=4326),
        )
    return JsonResponse(
        {
            "existed": existed,
            "read_alias": before.db,
            "write_alias": area._state.db,
            "in_recovery": _in_recovery(area._state.db),
        }
    )


def versions(request):
    """GET: the data versions this request keys its caches on."""
    return JsonResponse(current_layer_versions())


urlpatterns = [
    path("test/replica/versions/", versions),
    path("test/replica/areas/<str:code>/", area_read),
    path("test/replica/areas/", area_write),
    path("", include("gisapp.urls")),
]
