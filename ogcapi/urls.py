"""URLs of the OGC API – Features (mounted at /ogcapi). Each resource answers with and
without a trailing slash (clients differ); the named form is the one without."""

from django.urls import path

from ogcapi import views

app_name = "ogcapi"

_ROUTES = (
    ("ogcapi", views.LandingApi, "landing"),
    ("ogcapi/conformance", views.ConformanceApi, "conformance"),
    ("ogcapi/api", views.ApiDefinitionApi, "api"),
    ("ogcapi/collections", views.CollectionsApi, "collections"),
    ("ogcapi/collections/<slug:slug>", views.CollectionApi, "collection"),
    ("ogcapi/collections/<slug:slug>/queryables", views.QueryablesApi, "queryables"),
    ("ogcapi/collections/<slug:slug>/items", views.ItemsApi, "items"),
    ("ogcapi/collections/<slug:slug>/items/<int:feature_id>", views.ItemApi, "item"),
)

urlpatterns = [path(route, view.as_view(), name=name) for route, view, name in _ROUTES] + [
    path(route + "/", view.as_view()) for route, view, _name in _ROUTES
]
