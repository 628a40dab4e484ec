"""Site URLs: pages, admin, login, the v1 API and its schema."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from audit.forms import ThrottledAdminAuthenticationForm
from audit.views import ThrottledLoginView
from gisapp import views
from layers.api_tiles import TileApi
from rasters.api import RasterHillshadeView, RasterOverlayView

admin.site.site_header = _("Lianzhou water-saving GIS")
admin.site.site_title = _("Lianzhou water-saving GIS")
# The admin login counts towards the same throttle as the site's login page.
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", views.MapView.as_view(), name="home"),
    path("map/", views.MapView.as_view(), name="map"),
    path("data/", views.DataOverviewView.as_view(), name="data"),
    path("data/", include("dataio.urls")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("language/", views.LanguageSwitchView.as_view(), name="language"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # The network's write routes come before the layers' generic read routes on the same paths.
    path("api/v1/", include("network.urls")),
    path("api/v1/", include("layers.urls")),
    path("api/v1/compliance/", include("compliance.urls")),
    path("api/v1/", include("rasters.urls")),
    path("reports/", include("gisapp.reports.urls")),
    path("registers/", include("registers.urls")),
    path("scenarios/", include("gisapp.scenarios.urls")),
    path("network/", include("gisapp.editor.urls")),
    path("consumption/", include("gisapp.consumption.urls")),
    path("api/v1/consumption/", include("consumption.urls")),
    path("", include("ogcapi.urls")),  # OGC API – Features at /ogcapi
    path("tiles/<slug:slug>/<int:z>/<int:x>/<int:y>.pbf", TileApi.as_view(), name="tile"),
    path("rasters/<slug:slug>/overlay.png", RasterOverlayView.as_view(), name="raster-overlay"),
    path(
        "rasters/<slug:slug>/hillshade.png", RasterHillshadeView.as_view(), name="raster-hillshade"
    ),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its set-up script as a file, so the page needs no inline script.
    path(
        "api/v1/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="gisapp/swagger_ui.html"
        ),
        name="api-docs",
    ),
]

# Translated pages in the site's layout, JSON under /api/ and /tiles/ (gisapp/error_pages.py).
handler400 = "gisapp.error_pages.bad_request"
handler403 = "gisapp.error_pages.permission_denied"
handler404 = "gisapp.error_pages.page_not_found"
handler500 = "gisapp.error_pages.server_error"
