"""URLs of the layers API (mounted at /api/v1/)."""

from django.urls import path

from layers import api, api_network

app_name = "layers"

PIPES, NODES = {"slug": "pipes"}, {"slug": "pipe-nodes"}
PIPE = "layers/pipes/features/<int:feature_id>/"
NODE = "layers/pipe-nodes/features/<int:feature_id>/"

# The network's write routes come before the generic read routes; GET on the same paths is
# still served by the read API's views (the write views subclass them).
network_urlpatterns = [
    path("layers/pipes/merge/", api_network.PipeMergeApi.as_view(), PIPES, name="pipe-merge"),
    path(
        "layers/pipes/features/",
        api_network.PipeCollectionApi.as_view(),
        PIPES,
        name="pipe-list",
    ),
    path(PIPE, api_network.PipeDetailApi.as_view(), PIPES, name="pipe-detail"),
    path(
        f"{PIPE}split/",
        api_network.PipeActionApi.as_view(operation="split"),
        PIPES,
        name="pipe-split",
    ),
    path(
        f"{PIPE}restore/",
        api_network.PipeActionApi.as_view(operation="restore"),
        PIPES,
        name="pipe-restore",
    ),
    path(
        f"{PIPE}move/", api_network.PipeActionApi.as_view(operation="move"), PIPES, name="pipe-move"
    ),
    path(f"{PIPE}history/", api_network.HistoryApi.as_view(), PIPES, name="pipe-history"),
    path(
        f"{PIPE}history/<int:change_id>/revert/",
        api_network.RevertApi.as_view(),
        PIPES,
        name="pipe-revert",
    ),
    path(
        "layers/pipe-nodes/features/",
        api_network.NodeCollectionApi.as_view(),
        NODES,
        name="node-list",
    ),
    path(NODE, api_network.NodeDetailApi.as_view(), NODES, name="node-detail"),
    path(f"{NODE}history/", api_network.HistoryApi.as_view(), NODES, name="node-history"),
    path(
        f"{NODE}history/<int:change_id>/revert/",
        api_network.RevertApi.as_view(),
        NODES,
        name="node-revert",
    ),
    path("network/leaks/", api_network.LeakListApi.as_view(), name="leak-list"),
    path("network/leaks/<int:leak_id>/", api_network.LeakDetailApi.as_view(), name="leak-detail"),
    path(
        "network/validate/",
        api_network.NetworkValidateApi.as_view(),
        PIPES,
        name="network-validate",
    ),
    path(
        "network/crossings/",
        api_network.CrossingListApi.as_view(),
        PIPES,
        name="crossing-list",
    ),
    path(
        "network/crossings/<int:crossing_id>/",
        api_network.CrossingDetailApi.as_view(),
        PIPES,
        name="crossing-detail",
    ),
]

urlpatterns = [
    *network_urlpatterns,
    path("layers/", api.LayerListApi.as_view(), name="layer-list"),
    path("search/", api.FeatureSearchApi.as_view(), name="search"),
    path("layers/<slug:slug>/features/", api.FeatureListApi.as_view(), name="feature-list"),
    path(
        "layers/<slug:slug>/features/<int:feature_id>/",
        api.FeatureDetailApi.as_view(),
        name="feature-detail",
    ),
]
