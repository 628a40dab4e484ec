"""URLs of the consumption query pages."""

from django.urls import path

from gisapp.consumption import views

app_name = "consumption_pages"

urlpatterns = [
    path("", views.ConsumptionQueryView.as_view(), name="query"),
    path("users/", views.ConsumptionUsersView.as_view(), name="users"),
]
