"""URLs of the network API, mounted at /api/v1/ before the layers' generic feature routes: GET
on the same paths is still served by the read API's views (the write views subclass them)."""

from django.urls import path

from network import api
from network.api.analysis import NetworkComponentsApi, PipeIsolationApi, PipeTraceApi
from network.api.hydraulics import (
    HydraulicRunDetailApi,
    HydraulicRunImportApi,
    HydraulicRunListApi,
    HydraulicsExportApi,
)

app_name = "network"

PIPES, NODES = {"slug": "pipes"}, {"slug": "pipe-nodes"}
PIPE = "layers/pipes/features/<int:feature_id>/"
NODE = "layers/pipe-nodes/features/<int:feature_id>/"

urlpatterns = [
    path("layers/pipes/merge/", api.PipeMergeApi.as_view(), PIPES, name="pipe-merge"),
    path(
        "layers/pipes/features/",
        api.PipeCollectionApi.as_view(),
        PIPES,
        name="pipe-list",
    ),
    path(PIPE, api.PipeDetailApi.as_view(), PIPES, name="pipe-detail"),
    path(
        f"{PIPE}split/",
        api.PipeActionApi.as_view(operation="split"),
        PIPES,
        name="pipe-split",
    ),
    path(
        f"{PIPE}restore/",
        api.PipeActionApi.as_view(operation="restore"),
        PIPES,
        name="pipe-restore",
    ),
    path(f"{PIPE}move/", api.PipeActionApi.as_view(operation="move"), PIPES, name="pipe-move"),
    path(f"{PIPE}history/", api.HistoryApi.as_view(), PIPES, name="pipe-history"),
    path(
        f"{PIPE}history/<int:change_id>/revert/",
        api.RevertApi.as_view(),
        PIPES,
        name="pipe-revert",
    ),
    path(
        "layers/pipe-nodes/features/",
        api.NodeCollectionApi.as_view(),
        NODES,
        name="node-list",
    ),
    path(NODE, api.NodeDetailApi.as_view(), NODES, name="node-detail"),
    path(f"{NODE}history/", api.HistoryApi.as_view(), NODES, name="node-history"),
    path(
        f"{NODE}history/<int:change_id>/revert/",
        api.RevertApi.as_view(),
        NODES,
        name="node-revert",
    ),
    path("network/leaks/", api.LeakListApi.as_view(), name="leak-list"),
    path("network/leaks/<int:leak_id>/", api.LeakDetailApi.as_view(), name="leak-detail"),
    path(
        "network/validate/",
        api.NetworkValidateApi.as_view(),
        PIPES,
        name="network-validate",
    ),
    path(
        "network/pipes/<int:pipe_id>/isolation/",
        PipeIsolationApi.as_view(),
        PIPES,
        name="pipe-isolation",
    ),
    path("network/pipes/<int:pipe_id>/trace/", PipeTraceApi.as_view(), PIPES, name="pipe-trace"),
    path(
        "network/components/",
        NetworkComponentsApi.as_view(),
        PIPES,
        name="network-components",
    ),
    path(
        "network/hydraulics/export.inp",
        HydraulicsExportApi.as_view(),
        name="hydraulics-export",
    ),
    path("network/hydraulics/runs/", HydraulicRunListApi.as_view(), name="hydraulics-runs"),
    path(
        "network/hydraulics/runs/import/",
        HydraulicRunImportApi.as_view(),
        name="hydraulics-import",
    ),
    path(
        "network/hydraulics/runs/<int:run_id>/",
        HydraulicRunDetailApi.as_view(),
        name="hydraulics-run",
    ),
    path(
        "network/crossings/",
        api.CrossingListApi.as_view(),
        PIPES,
        name="crossing-list",
    ),
    path(
        "network/crossings/<int:crossing_id>/",
        api.CrossingDetailApi.as_view(),
        PIPES,
        name="crossing-detail",
    ),
]
