"""Models of every spatial layer and its records, split by sub-domain."""

from layers.models.areas import AdminArea, AreaYearStats, LayerVersion
from layers.models.irrigation import IrrigationDistrict, IrrigationRecord
from layers.models.network import LeakRecord, PipeNode, PipeSegment, SupplyZone, WaterBalance
from layers.models.network_edit import IdempotentRequest, NetworkChange, PipeCrossing
from layers.models.rasters import RasterLayer
from layers.models.sewage import SewagePlant, SewagePlantMonth
from layers.models.users import Consumption, WaterUser
from layers.models.water import WaterFunctionZone, WaterQualitySample

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
