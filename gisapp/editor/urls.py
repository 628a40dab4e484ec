"""URLs of the network editor page (mounted at /network/)."""

from django.urls import path

from gisapp.editor import views

app_name = "editor"

urlpatterns = [
    path("edit/", views.NetworkEditView.as_view(), name="edit"),
]
