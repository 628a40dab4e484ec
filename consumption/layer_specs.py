"""The water users' layer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from consumption import models as m
from consumption.models import WaterUser
from layers.attributes import Attr
from layers.layer_specs import TOWN
from layers.records import RecordKind, m3
from layers.spec import LayerSpec, TileSpec
from network.layer_specs import SUPPLY_ZONE

SPECS = (
    LayerSpec(
        "water-users",
        WaterUser,
        _("Water users"),
        "Point",
        (
            Attr("code", required=True),
            Attr("name"),
            Attr("sector", required=True, choices=tuple(WaterUser.Sector.values)),
            Attr("source", choices=tuple(WaterUser.Source.values)),
            Attr("annual_plan_m3", "float", min_value=0),
        ),
        order=80,
        properties={"town_code": "town__code", "supply_zone_code": "supply_zone__code"},
        tile=TileSpec(min_zoom=11, columns=("name", "sector")),
        memberships=(TOWN, SUPPLY_ZONE),
    ),
)

RECORD_SPECS = (
    RecordKind(
        "consumption",
        m.Consumption,
        "user_code",
        m.WaterUser,
        "user_id",
        ("month",),
        (
            Attr("month", "month", required=True),
            m3("volume_m3"),
            Attr("metered", "bool", required=True),
        ),
    ),
)
