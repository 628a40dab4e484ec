"""URLs of the consumption API (mounted at /api/v1/consumption/)."""

from django.urls import path

from consumption import api

app_name = "consumption"

urlpatterns = [
    path("", api.ConsumptionListApi.as_view(), name="list"),
    path("area/", api.ConsumptionAreaApi.as_view(), name="area"),
]
