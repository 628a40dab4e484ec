"""Does a county hold any data of a year? A year without any is "no data", never evaluated."""

from __future__ import annotations

import datetime as dt

from consumption.models import Consumption
from layers.models import (
    AdminArea,
    AreaYearStats,
    IrrigationRecord,
    SewagePlantMonth,
    WaterQualitySample,
)
from network.models import WaterBalance


def year_has_data(area: AdminArea, year: int) -> bool:
    """True when any yearly or monthly record of `year` exists (statistics of the area itself).

    Feature layers (pipes, zones) carry no year: a year is judged only on the records dated in
    it, so asking for 2100 stores nothing and moves no default year.
    """
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    return (
        AreaYearStats.objects.filter(area=area, year=year).exists()
        or Consumption.objects.filter(month__gte=start, month__lt=end).exists()
        or WaterBalance.objects.filter(year=year).exists()
        or IrrigationRecord.objects.filter(year=year).exists()
        or SewagePlantMonth.objects.filter(month__gte=start, month__lt=end).exists()
        or WaterQualitySample.objects.filter(sampled_on__gte=start, sampled_on__lt=end).exists()
    )
