"""Write API v1 of the pipe network: pipes and nodes as GeoJSON, history, leaks, the check.

GET of pipes and nodes stays with the read API's views (subclassed here); every write takes
a GeoJSON Feature (EPSG:4326), answers with the stored Feature(s) and a `change` member, may
carry an `Idempotency-Key` header, and needs `network.change_pipesegment`.

The views live by subject: pipes, nodes, history, leaks and checks; base holds what they
share.
"""

from network.api.checks import CrossingDetailApi, CrossingListApi, NetworkValidateApi
from network.api.history import HistoryApi, RevertApi
from network.api.leaks import LeakDetailApi, LeakListApi
from network.api.nodes import NodeCollectionApi, NodeDetailApi
from network.api.pipes import PipeActionApi, PipeCollectionApi, PipeDetailApi, PipeMergeApi

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
