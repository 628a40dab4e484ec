"""Data pages of the dataio app: imports in the browser (layers, records, rasters) as jobs."""

from django.urls import path

from dataio import pages

app_name = "dataio"

urlpatterns = [
    path("<slug:target>/import/", pages.LayerImportView.as_view(), name="layer-import"),
    path("records/<slug:target>/import/", pages.RecordsImportView.as_view(), name="records-import"),
    path("rasters/<slug:target>/import/", pages.RasterImportView.as_view(), name="raster-import"),
    path("imports/<uuid:job_id>/", pages.ImportJobView.as_view(), name="job"),
    path(
        "imports/<uuid:job_id>/progress/",
        pages.ImportJobProgressView.as_view(),
        name="job-progress",
    ),
]
