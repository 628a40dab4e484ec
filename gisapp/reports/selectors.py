"""Reads for the county reports: the scorecard and the failing features of a year, with shapes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import shapely
from django.utils.translation import gettext as _

from compliance.models import Indicator, Result
from compliance.rules import fmt, pct
from compliance.selectors import results_failing, results_stored, scorecard
from layers.models import AdminArea
from layers.place_names import place_names
from layers.registry import LAYERS

# Layers a report maps: polygons, plants and the water users that fail (not the 20,000 pipes,
# which no indicator judges one by one).
MAP_LAYERS = (
    "towns",
    "water-function-zones",
    "irrigation-districts",
    "supply-zones",
    "sewage-plants",
    "water-users",
)
# Context a report map draws under everything, judged by no rule: the major roads.
CONTEXT_LAYERS = ("roads",)
_SIGNS = {"gte": "≥", "lte": "≤", "eq": "="}


def quantity_text(value: float | None, unit: str) -> str:
    """A value with its unit for a reader: 0.875 '0–1' → '87.5%', 12.3 '%' → '12.3%',
    1234.5 'm³' → '1,234.5 m³', a coefficient 0.5534 '' → '0.553'; None → '—'."""
    if value is None:
        return "—"
    if unit == "0–1":
        return pct(value)
    if unit == "%":
        return f"{fmt(value, 2)}%"
    if not unit:  # a coefficient: 0.553
        return fmt(value, 3)
    return f"{fmt(value, 2)} {unit}".strip()


@dataclass(frozen=True)
class Failure:
    """One failing indicator of a feature: value, threshold, unit, and why (active language)."""

    code: str
    name: str
    value: float | None
    threshold: float | None
    unit: str
    comparator: str
    explanation: str
    source: str

    @property
    def value_text(self) -> str:
        return quantity_text(self.value, self.unit)

    @property
    def threshold_text(self) -> str:
        if self.threshold is None:
            return "—"
        sign = _SIGNS.get(self.comparator, "")
        return f"{sign} {quantity_text(self.threshold, self.unit)}".strip()


@dataclass(frozen=True)
class ReportFeature:
    """A mapped feature: its layer, code, name, attributes, shape (lon/lat) and failures."""

    layer: str
    id: int
    code: str
    name: str
    properties: dict
    geometry: shapely.Geometry
    failures: tuple[Failure, ...] = ()


@dataclass(frozen=True)
class LayerFailures:
    """The failing features of one layer, with the layer's title."""

    slug: str
    title: str
    features: list[ReportFeature] = field(default_factory=list)


@dataclass(frozen=True)
class CountyReport:
    """Everything a county report shows for a year."""

    area_code: str
    area_name: str
    year: int
    scorecard: dict
    area_id: int
    lines: list[dict]
    sections: list[dict]  # the standard's lines by section (prerequisites, categories, bonus)
    other_sections: list[dict]  # other assessments' lines, never in the pass total
    outline: shapely.Geometry
    towns: list[ReportFeature]
    failing: list[LayerFailures]
    # the same place names as the map page (layers.place_names): county, towns, rivers, roads
    place_names: list[dict] = field(default_factory=list)
    # the major roads crossing the area (context: no failures)
    roads: list[ReportFeature] = field(default_factory=list)

    @property
    def failing_count(self) -> int:
        return sum(len(layer.features) for layer in self.failing)


def failing_title(report: CountyReport) -> str:
    """'连州市：2024 年不达标要素' in the active language."""
    return _("%(area)s: features failing in %(year)s") % {
        "area": report.area_name,
        "year": report.year,
    }


def _failure(r: Result) -> Failure:
    return Failure(
        code=r.indicator.code,
        name=r.indicator.name,
        value=r.value,
        threshold=r.threshold,
        unit=r.unit,
        comparator=r.indicator.comparator,
        explanation=r.explanation,
        source=f"{r.indicator.source} {r.indicator.clause}".strip(),
    )


def geos_to_shapely(geom) -> shapely.Geometry:
    """A GEOS geometry (a model's field) as a shapely one, for the report's drawings."""
    return shapely.from_wkb(bytes(geom.wkb))


def _features(qs, slug: str, failures: dict) -> list[ReportFeature]:
    """The features of a layer's queryset, ordered by code, with their failures."""
    spec = LAYERS[slug]
    names = [a.name for a in spec.attrs if hasattr(spec.model, a.name)]
    return [
        ReportFeature(
            layer=slug,
            id=obj.id,
            code=obj.code,
            name=getattr(obj, "name", "") or "",
            properties={name: getattr(obj, name) for name in names},
            geometry=geos_to_shapely(obj.geom),
            failures=tuple(failures.get((slug, obj.id), ())),
        )
        for obj in qs.order_by("code")
    ]


def county_report(
    area: AdminArea, year: int, layers: Iterable[str] = (*MAP_LAYERS, *CONTEXT_LAYERS)
) -> CountyReport:
    """The scorecard and the failing features of `layers` (slugs among MAP_LAYERS) for a year,
    with the context layers among `layers` (CONTEXT_LAYERS: the roads crossing the area).

    Verdicts as stored (the scorecard says whether they are current); shapes in
    EPSG:4326 lon/lat as shapely geometries. A constant number of queries: the results, the
    scorecard and its indicators, one per layer.
    """
    wanted = set(layers)
    layers = [slug for slug in MAP_LAYERS if slug in wanted]
    results = results_failing(results_stored(area, year)).filter(layer__in=layers)
    failures: dict[tuple[str, int], list[Failure]] = defaultdict(list)
    for r in results.order_by("layer", "feature_code", "indicator__code"):
        failures[(r.layer, r.feature_id)].append(_failure(r))
    # Every town of the county is drawn (the map's frame); the others only where they fail.
    towns = (
        _features(LAYERS["towns"].queryset().filter(parent=area), "towns", failures)
        if "towns" in layers
        else []
    )
    failing = []
    for slug in layers:
        if slug == "towns":
            features = [town for town in towns if town.failures]
        else:
            ids = [fid for (layer, fid) in failures if layer == slug]
            features = _features(LAYERS[slug].queryset().filter(id__in=ids), slug, failures)
        failing.append(LayerFailures(slug, str(LAYERS[slug].title), features))
    card = scorecard(area, year)
    comparators = dict(
        Indicator.objects.filter(code__in=[line["code"] for line in card["lines"]]).values_list(
            "code", "comparator"
        )
    )
    return CountyReport(
        area_code=area.code,
        area_name=area.name,
        year=year,
        scorecard=card,
        area_id=area.id,
        lines=[_line(line, comparators.get(line["code"], "")) for line in card["lines"]],
        sections=_sections(card, comparators),
        other_sections=[
            {
                "title": o["name"],
                "lines": [_line(x, comparators.get(x["code"], "")) for x in o["lines"]],
            }
            for o in card.get("other_assessments", [])
        ],
        outline=geos_to_shapely(area.geom),
        towns=towns,
        failing=failing,
        place_names=place_names(),
        roads=(
            _features(LAYERS["roads"].queryset().filter(geom__intersects=area.geom), "roads", {})
            if "roads" in wanted
            else []
        ),
    )


def _sections(card: dict, comparators: dict) -> list[dict]:
    """The 2017 standard's lines in the scorecard's order: prerequisites (veto, no points),
    each category's scored lines, then the bonus items (capped)."""

    def lines(items: list[dict]) -> list[dict]:
        return [_line(x, comparators.get(x["code"], "")) for x in items]

    sections = [
        {
            "title": _("Prerequisites (veto, no points)"),
            "lines": lines(card.get("prerequisites", [])),
        }
    ]
    sections += [
        {"title": c["name"], "lines": lines(c["lines"])} for c in card.get("categories", [])
    ]
    cap = card.get("bonus_cap", 0)
    sections.append(
        {
            "title": _("Bonus items (at most %(cap)s points)") % {"cap": f"{cap:g}"},
            "lines": lines(card.get("bonus", [])),
        }
    )
    return [s for s in sections if s["lines"]]


VERDICTS = {
    "passed": _("Passed"),
    "failed": _("Not passed"),
    "cannot_be_judged": _("Cannot be judged yet"),
    "no_data": _("No data"),
}


def verdict_label(verdict: str | None) -> str:
    """The county verdict in the active language."""
    return str(VERDICTS.get(verdict or "no_data", VERDICTS["no_data"]))


def _line(line: dict, comparator: str) -> dict:
    """A scorecard line with its value, threshold and verdict as text (units included)."""
    sign = _SIGNS.get(comparator, "")
    threshold = quantity_text(line["threshold"], line["unit"])
    return {
        **line,
        "value_text": quantity_text(line["value"], line["unit"]),
        "threshold_text": f"{sign} {threshold}".strip() if line["threshold"] is not None else "—",
        "status_text": status_text(line["status"]),
    }


def status_text(status: str) -> str:
    """The verdict word in the active language ('compliant' → '达标' in Chinese)."""
    return str(Result.Status(status).label)
