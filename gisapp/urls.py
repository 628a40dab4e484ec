"""Site URLs: pages, admin, login, the v1 API and its schema."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from audit.views import ThrottledLoginView
from gisapp import views
from gisapp.data_exports import LayerExportView
from gisapp.qgis_api import QgisProjectApi
from layers import api_desktop
from layers.api_tiles import TileApi, TileKeyApi
from rasters.api import RasterHillshadeView, RasterOverlayView, RasterWorldFileView

urlpatterns = [
    path("", views.MapView.as_view(), name="home"),
    path("map/", views.MapView.as_view(), name="map"),
    path("data/", views.DataOverviewView.as_view(), name="data"),
    path("data/<slug:slug>/export/", LayerExportView.as_view(), name="layer-export"),
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
    # Desktop and web map clients (docs/desktop-clients.md); before the tile route: 'all'.
    path("tiles/tilejson.json", api_desktop.AllTileJsonApi.as_view(), name="tilejson"),
    path("tiles/style.json", api_desktop.MapLibreStyleApi.as_view(), name="tile-style"),
    path("tiles/<slug:slug>.json", api_desktop.LayerTileJsonApi.as_view(), name="layer-tilejson"),
    path(
        "tiles/all/<int:z>/<int:x>/<int:y>.pbf", api_desktop.AllTilesApi.as_view(), name="tile-all"
    ),
    path("styles/<slug:slug>.qml", api_desktop.LayerQmlApi.as_view(), name="layer-qml"),
    path("styles/<slug:slug>.sld", api_desktop.LayerSldApi.as_view(), name="layer-sld"),
    path("qgis/project.qgs", QgisProjectApi.as_view(), name="qgis-project"),
    path("tiles/<slug:slug>/<int:z>/<int:x>/<int:y>.pbf", TileApi.as_view(), name="tile"),
    path("tiles/<slug:slug>/key", TileKeyApi.as_view(), name="tile-key"),
    path("rasters/<slug:slug>/overlay.png", RasterOverlayView.as_view(), name="raster-overlay"),
    path(
        "rasters/<slug:slug>/overlay.pgw", RasterWorldFileView.as_view(), name="raster-world-file"
    ),
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
