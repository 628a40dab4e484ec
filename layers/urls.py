"""URLs of the layers API (mounted at /api/v1/)."""

from django.urls import path

from layers import api

app_name = "layers"

urlpatterns = [
    path("layers/", api.LayerListApi.as_view(), name="layer-list"),
    path("search/", api.FeatureSearchApi.as_view(), name="search"),
    path("layers/<slug:slug>/features/", api.FeatureListApi.as_view(), name="feature-list"),
    path(
        "layers/<slug:slug>/features/<int:feature_id>/",
        api.FeatureDetailApi.as_view(),
        name="feature-detail",
    ),
]
