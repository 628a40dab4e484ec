"""Data pages of the dataio app: layer imports in the browser."""

from django.urls import path

from dataio import pages

app_name = "dataio"

urlpatterns = [
    path("<slug:slug>/import/", pages.LayerImportView.as_view(), name="layer-import"),
]
