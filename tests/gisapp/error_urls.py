"""The site's URLs plus one view that fails, to see the 500 answer (tests only)."""

from django.urls import path

from gisapp.urls import handler400, handler403, handler404, handler500  # noqa: F401
from gisapp.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), *site_urlpatterns]
