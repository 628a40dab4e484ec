"""Models of the water-supply network: supply zones and balances, pipes, nodes, leaks, edits."""

from network.models.edits import IdempotentRequest, NetworkChange, PipeCrossing
from network.models.pipes import LeakRecord, PipeNode, PipeSegment, SupplyZone, WaterBalance

__all__ = [
    "IdempotentRequest",
    "LeakRecord",
    "NetworkChange",
    "PipeCrossing",
    "PipeNode",
    "PipeSegment",
    "SupplyZone",
    "WaterBalance",
]
