"""URLs of the planners' what-if pages (mounted at /scenarios/)."""

from django.urls import path

from gisapp.scenarios import views

app_name = "scenario_pages"

urlpatterns = [
    path("", views.ScenarioPageView.as_view(), name="scenario"),
    path("actions/", views.ActionListPageView.as_view(), name="actions"),
]
