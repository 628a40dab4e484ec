"""URLs of the OGC API – Features (mounted at /ogcapi; a trailing slash is optional)."""

from django.urls import re_path

from ogcapi import views

app_name = "ogcapi"

_ID = r"(?P<collection_id>[^/]{1,100})"
_FID = r"(?P<feature_id>[^/]{1,40})"

urlpatterns = [
    re_path(r"^ogcapi/?$", views.LandingApi.as_view(), name="landing"),
    re_path(r"^ogcapi/conformance/?$", views.ConformanceApi.as_view(), name="conformance"),
    re_path(r"^ogcapi/api/?$", views.ApiDefinitionApi.as_view(), name="api"),
    re_path(r"^ogcapi/collections/?$", views.CollectionsApi.as_view(), name="collections"),
    re_path(rf"^ogcapi/collections/{_ID}/?$", views.CollectionApi.as_view(), name="collection"),
    re_path(
        rf"^ogcapi/collections/{_ID}/queryables/?$",
        views.QueryablesApi.as_view(),
        name="queryables",
    ),
    re_path(rf"^ogcapi/collections/{_ID}/items/?$", views.ItemsApi.as_view(), name="items"),
    re_path(rf"^ogcapi/collections/{_ID}/items/{_FID}/?$", views.ItemApi.as_view(), name="item"),
]
