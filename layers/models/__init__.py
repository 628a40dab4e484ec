"""Models of every spatial layer and its records, split by sub-domain."""

from .areas import AdminArea, AreaYearStats, LayerVersion
from .irrigation import IrrigationDistrict, IrrigationRecord
from .network import LeakRecord, PipeNode, PipeSegment, SupplyZone, WaterBalance
from .network_edit import IdempotentRequest, NetworkChange, PipeCrossing
from .rasters import RasterLayer
from .sewage import SewagePlant, SewagePlantMonth
from .users import Consumption, WaterUser
from .water import WaterFunctionZone, WaterQualitySample

__all__ = [
    "AdminArea",
    "AreaYearStats",
    "Consumption",
    "IdempotentRequest",
    "IrrigationDistrict",
    "IrrigationRecord",
    "LayerVersion",
    "LeakRecord",
    "NetworkChange",
    "PipeCrossing",
    "PipeNode",
    "PipeSegment",
    "RasterLayer",
    "SewagePlant",
    "SewagePlantMonth",
    "SupplyZone",
    "WaterBalance",
    "WaterFunctionZone",
    "WaterQualitySample",
    "WaterUser",
]
