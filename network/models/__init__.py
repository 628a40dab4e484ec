"""Models of the water-supply network: supply zones and balances, pipes, nodes, leaks, edits."""

from network.models.edits import IdempotentRequest, NetworkChange, PipeCrossing
from network.models.hydraulics import HydraulicRun, NodePressure
from network.models.pipes import LeakRecord, PipeNode, PipeSegment, SupplyZone, WaterBalance

__all__ = [
    "HydraulicRun",
    "IdempotentRequest",
    "LeakRecord",
    "NetworkChange",
    "NodePressure",
    "PipeCrossing",
    "PipeNode",
    "PipeSegment",
    "SupplyZone",
    "WaterBalance",
]
