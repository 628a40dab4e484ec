"""Write API v1 of the pipe network: pipes and nodes as GeoJSON, history, leaks, the check.

GET of pipes and nodes stays with the read API's views (subclassed here); every write takes
a GeoJSON Feature (EPSG:4326), answers with the stored Feature(s) and a `change` member, may
carry an `Idempotency-Key` header, and needs `layers.change_pipesegment`.

The views live by subject: pipes, nodes, history, leaks and checks; base holds what they
share.
"""

from layers.api_network.checks import CrossingDetailApi, CrossingListApi, NetworkValidateApi
from layers.api_network.history import HistoryApi, RevertApi
from layers.api_network.leaks import LeakDetailApi, LeakListApi
from layers.api_network.nodes import NodeCollectionApi, NodeDetailApi
from layers.api_network.pipes import PipeActionApi, PipeCollectionApi, PipeDetailApi, PipeMergeApi

__all__ = [
    "CrossingDetailApi",
    "CrossingListApi",
    "HistoryApi",
    "LeakDetailApi",
    "LeakListApi",
    "NetworkValidateApi",
    "NodeCollectionApi",
    "NodeDetailApi",
    "PipeActionApi",
    "PipeCollectionApi",
    "PipeDetailApi",
    "PipeMergeApi",
    "RevertApi",
]
