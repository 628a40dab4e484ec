"""URLs of the raster API (mounted at /api/v1/) and the overlay PNG route."""

from django.urls import path

from rasters import api

app_name = "rasters"

urlpatterns = [
    path("rasters/", api.RasterListApi.as_view(), name="raster-list"),
    path("rasters/<slug:slug>/value/", api.RasterValueApi.as_view(), name="raster-value"),
    path("rasters/<slug:slug>/zonal/", api.RasterZonalApi.as_view(), name="raster-zonal"),
    path("network/high-nodes/", api.HighNodesApi.as_view(), name="high-nodes"),
]
