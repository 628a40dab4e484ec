"""The eight map layers: slug, model, geometry type and import attributes, in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from layers import models as m
from layers.text_rules import text_checked


@dataclass(frozen=True)
class Attr:
    """An attribute a layer file carries beside its geometry.

    kind: 'str' | 'int' | 'float' | 'date' | 'month' | 'bool'; choices limit str values;
    required attributes
    must be present as a column and non-empty in every row.
    """

    name: str
    kind: str = "str"
    required: bool = False
    choices: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None

    def parse(self, raw: object) -> object:
        """The value as stored; ValueError with a readable reason when it does not fit."""
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if self.required:
                raise ValueError("a value is required")
            return None if self.kind != "str" else ""
        if isinstance(raw, float) and raw != raw:  # NaN from a numeric column
            if self.required:
                raise ValueError("a value is required")
            return None
        value = self._convert(raw)
        if self.choices and value not in self.choices:
            raise ValueError(f"{value!r} is not one of {', '.join(self.choices)}")
        if self.min_value is not None and value < self.min_value:
            raise ValueError(f"{value} is below the minimum {self.min_value:g}")
        if self.max_value is not None and value > self.max_value:
            raise ValueError(f"{value} is above the maximum {self.max_value:g}")
        return value

    def _convert(self, raw: object) -> object:
        if self.kind == "str":
            return text_checked(str(raw).strip())  # TextRefused is a ValueError: a row error
        if self.kind == "int":
            try:
                number = float(str(raw).strip()) if not isinstance(raw, int | float) else raw
            except ValueError:
                raise ValueError(f"{raw!r} is not a whole number") from None
            if number != int(number):
                raise ValueError(f"{raw!r} is not a whole number")
            return int(number)
        if self.kind == "float":
            try:
                number = float(str(raw).strip()) if not isinstance(raw, int | float) else raw
            except ValueError:
                raise ValueError(f"{raw!r} is not a number") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError(f"{raw!r} is not a finite number")
            return float(number)
        if self.kind == "bool":
            text = str(raw).strip().lower()
            if text in {"true", "1", "yes", "y", "是"}:
                return True
            if text in {"false", "0", "no", "n", "否"}:
                return False
            raise ValueError(f"{raw!r} is not true or false")
        if self.kind == "month":
            if isinstance(raw, dt.date):
                return dt.date(raw.year, raw.month, 1)
            text = str(raw).strip()
            try:
                year, month = text.split("-")[:2]
                return dt.date(int(year), int(month), 1)
            except ValueError:
                raise ValueError(f"{raw!r} is not a month (YYYY-MM)") from None
        if self.kind == "date":
            if isinstance(raw, dt.datetime):
                return raw.date()
            if isinstance(raw, dt.date):
                return raw
            try:
                return dt.date.fromisoformat(str(raw).strip()[:10])
            except ValueError:
                raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from None
        raise AssertionError(self.kind)


@dataclass(frozen=True)
class LayerSpec:
    """How one layer is stored, imported, exported and served."""

    slug: str
    model: type[models.Model]
    title: str
    geometry_type: str  # 'Point' | 'LineString' | 'Polygon' (stored as MultiPolygon)
    attrs: tuple[Attr, ...]
    filters: dict = field(default_factory=dict)

    @property
    def attr_names(self) -> list[str]:
        return [a.name for a in self.attrs]

    def queryset(self):
        return self.model.objects.filter(**self.filters)


_STATUS_PIPE = tuple(m.PipeSegment.Status.values)

LAYERS: dict[str, LayerSpec] = {
    spec.slug: spec
    for spec in (
        LayerSpec(
            "towns",
            m.AdminArea,
            _("Towns"),
            "Polygon",
            (Attr("code", required=True), Attr("name", required=True), Attr("parent_code")),
            filters={"level": m.AdminArea.Level.TOWN},
        ),
        LayerSpec(
            "water-function-zones",
            m.WaterFunctionZone,
            _("Water-function zones"),
            "Polygon",
            (
                Attr("code", required=True),
                Attr("name"),
                Attr("river"),
                Attr("level1_type"),
                Attr("level2_type"),
                Attr(
                    "water_body", required=True, choices=tuple(m.WaterFunctionZone.WaterBody.values)
                ),
                Attr("target_class", "int", required=True, min_value=1, max_value=5),
            ),
        ),
        LayerSpec(
            "irrigation-districts",
            m.IrrigationDistrict,
            _("Irrigation districts"),
            "Polygon",
            (
                Attr("code", required=True),
                Attr("name"),
                Attr("size", required=True, choices=tuple(m.IrrigationDistrict.Size.values)),
                Attr("effective_area_mu", "float", required=True, min_value=0),
                Attr("efficient_area_mu", "float", min_value=0),
                Attr("main_crop"),
            ),
        ),
        LayerSpec(
            "supply-zones",
            m.SupplyZone,
            _("Supply zones"),
            "Polygon",
            (Attr("code", required=True), Attr("name"), Attr("company")),
        ),
        LayerSpec(
            "pipes",
            m.PipeSegment,
            _("Pipes"),
            "LineString",
            (
                Attr("code", required=True),
                Attr("diameter_mm", "int", required=True, min_value=1, max_value=4000),
                Attr("material", required=True, choices=tuple(m.PipeSegment.Material.values)),
                Attr("install_year", "int", min_value=1900, max_value=2100),
                Attr("status", choices=_STATUS_PIPE),
            ),
        ),
        LayerSpec(
            "pipe-nodes",
            m.PipeNode,
            _("Pipe nodes"),
            "Point",
            (
                Attr("code", required=True),
                Attr("kind", required=True, choices=tuple(m.PipeNode.Kind.values)),
            ),
        ),
        LayerSpec(
            "sewage-plants",
            m.SewagePlant,
            _("Sewage plants"),
            "Point",
            (
                Attr("code", required=True),
                Attr("name"),
                Attr("design_capacity_m3d", "float", required=True, min_value=0.001),
                Attr("effluent_grade", required=True, choices=tuple(m.SewagePlant.Grade.values)),
                Attr("built_on", "date"),
                Attr("status", choices=tuple(m.SewagePlant.Status.values)),
            ),
        ),
        LayerSpec(
            "water-users",
            m.WaterUser,
            _("Water users"),
            "Point",
            (
                Attr("code", required=True),
                Attr("name"),
                Attr("sector", required=True, choices=tuple(m.WaterUser.Sector.values)),
                Attr("source", choices=tuple(m.WaterUser.Source.values)),
                Attr("annual_plan_m3", "float", min_value=0),
                Attr("carrier", choices=tuple(c for c in m.WaterUser.Carrier.values if c)),
                Attr("carrier_year", "int", min_value=1990, max_value=2100),
            ),
        ),
    )
}


def layer_spec(slug: str) -> LayerSpec:
    """The spec of a layer slug; KeyError names the known slugs."""
    try:
        return LAYERS[slug]
    except KeyError:
        raise KeyError(f"unknown layer {slug!r}; known: {', '.join(LAYERS)}") from None
