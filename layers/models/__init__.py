"""Models of the core layers: administrative areas, water-function zones, irrigation districts,
sewage plants, with their records; major roads (context); data versions."""

from layers.models.areas import AdminArea, AreaYearStats, LayerVersion
from layers.models.irrigation import IrrigationDistrict, IrrigationRecord
from layers.models.roads import Road
from layers.models.sewage import SewagePlant, SewagePlantMonth
from layers.models.water import WaterFunctionZone, WaterQualitySample

__all__ = [
    "AdminArea",
    "AreaYearStats",
    "IrrigationDistrict",
    "IrrigationRecord",
    "LayerVersion",
    "Road",
    "SewagePlant",
    "SewagePlantMonth",
    "WaterFunctionZone",
    "WaterQualitySample",
]
