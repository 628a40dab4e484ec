"""The network's layers: supply zones, pipes and pipe nodes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from layers.attributes import Attr
from layers.layer_specs import TOWN
from layers.records import RecordKind, m3
from layers.spec import LayerSpec, TileRule, TileSpec
from network import models as m
from network.models import PipeNode, PipeSegment, SupplyZone
from network.services.rules import DIAMETER_ATTR, INSTALL_YEAR_ATTR

SUPPLY_ZONE = ("supply_zone_id", "supply-zones")

SPECS = (
    LayerSpec(
        "supply-zones",
        SupplyZone,
        _("Supply zones"),
        "Polygon",
        (Attr("code", required=True), Attr("name"), Attr("company")),
        order=40,
    ),
    LayerSpec(
        "pipes",
        PipeSegment,
        _("Pipes"),
        "LineString",
        (
            Attr("code", required=True),
            DIAMETER_ATTR,
            Attr("material", required=True, choices=tuple(PipeSegment.Material.values)),
            INSTALL_YEAR_ATTR,
            Attr("status", choices=tuple(PipeSegment.Status.values)),
        ),
        order=50,
        properties={
            "length_m": "length_m",
            "version": "version",
            "start_node_code": "start_node__code",
            "end_node_code": "end_node__code",
            "supply_zone_code": "supply_zone__code",
            "town_code": "town__code",
        },
        tile=TileSpec(
            min_zoom=12,
            columns=("diameter_mm", "material", "status", "install_year", "version"),
            renamed={"status": "pipe_status"},
            hidden=("status", PipeSegment.Status.ABANDONED),
            # A county-wide view shows the mains; distribution pipes appear as one zooms in
            # (at z12 a 25 m street pipe is under 3 pixels long). Keeps low-zoom tiles small.
            generalise=(
                TileRule(11, "diameter_mm", ">=", 400),
                TileRule(12, "diameter_mm", ">=", 300),
                TileRule(13, "diameter_mm", ">=", 200),
                TileRule(14, "diameter_mm", ">=", 100),
            ),
        ),
        memberships=(TOWN, SUPPLY_ZONE),
        retired=("status", PipeSegment.Status.ABANDONED),
    ),
    LayerSpec(
        "pipe-nodes",
        PipeNode,
        _("Pipe nodes"),
        "Point",
        (
            Attr("code", required=True),
            Attr("kind", required=True, choices=tuple(PipeNode.Kind.values)),
        ),
        order=60,
        properties={"elevation_m": "elevation_m", "town_code": "town__code"},
        tile=TileSpec(
            min_zoom=15,
            columns=("kind",),
            # Junctions only close up; sources, plants and valves earlier.
            generalise=(
                TileRule(13, "kind", "in", ("source", "plant")),
                TileRule(14, "kind", "in", ("source", "plant", "valve", "hydrant", "meter")),
            ),
        ),
        default_on=False,
        memberships=(TOWN,),
    ),
)

RECORD_SPECS = (
    RecordKind(
        "water-balance",
        m.WaterBalance,
        "zone_code",
        m.SupplyZone,
        "zone_id",
        ("year",),
        (
            Attr("year", "int", required=True, min_value=1900, max_value=2100),
            m3("system_input_m3"),
            m3("billed_authorized_m3"),
            m3("unbilled_authorized_m3"),
            m3("household_metered_residential_m3"),
            Attr("mean_outlet_pressure_mpa", "float", required=True, min_value=0, max_value=10),
            Attr("max_frost_depth_m", "float", required=True, min_value=0, max_value=10),
        ),
        checks=(
            (
                lambda r: (
                    r["billed_authorized_m3"] + r["unbilled_authorized_m3"] <= r["system_input_m3"]
                ),
                "billed_authorized_m3",
                "authorised consumption exceeds the system input volume",
            ),
        ),
    ),
)
