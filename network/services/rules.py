"""Rules of network writes: typed errors with a field and a lon/lat location, attribute checks."""

from __future__ import annotations

import math
from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext as _

from layers.attributes import Attr, AttrImplausible
from layers.geometry_limits import GeometryLimits, limits_fault
from layers.limits import limit_message, pipe_limits
from layers.text_rules import text_problem, text_problem_message
from network.models import PipeNode, PipeSegment
from network.services.geometry import GeometryFault, LonLat, midpoint

# Nominal diameters (mm) of the pipe series used in Chinese water supply: steel and ductile
# iron DN (GB/T 3091, GB/T 13295), PE and PVC-U outside diameters dn (GB/T 13663,
# GB/T 10002.1), prestressed concrete DN up to 4000 (GB/T 19685). A value off every series is
# a typing error more often than a real pipe; NETWORK_DIAMETERS_MM replaces the list.
NOMINAL_DIAMETERS_MM = frozenset(
    (15, 16, 20, 25, 32, 40, 50, 60, 63, 65, 75, 80, 90, 100, 110, 125, 140, 150, 160, 180)
    + (200, 225, 250, 280, 300, 315, 350, 355, 400, 450, 500, 560, 600, 630, 700, 710, 800)
    + (900, 1000, 1100, 1200, 1400, 1500, 1600, 1800, 2000, 2200, 2250, 2400, 2500, 2600)
    + (2800, 3000, 3200, 3400, 3600, 3800, 4000)
)
DIAMETER_RANGE_MM = (1, 4000)  # the database's CHECK constraint pipe_diameter_plausible


def diameters_allowed() -> frozenset[int]:
    return frozenset(getattr(settings, "NETWORK_DIAMETERS_MM", NOMINAL_DIAMETERS_MM))


def _nominal_problem(dn: object) -> str | None:
    if dn in diameters_allowed():
        return None
    return _("DN %(dn)s is not a nominal pipe diameter.") % {"dn": dn}


# The one rule of a pipe's diameter, for the import, the editor's API and the admin: a whole
# number in the range of the database's CHECK constraint, on a nominal series.
DIAMETER_ATTR = Attr(
    "diameter_mm",
    "int",
    required=True,
    min_value=DIAMETER_RANGE_MM[0],
    max_value=DIAMETER_RANGE_MM[1],
    check=_nominal_problem,
)
INSTALL_YEARS = (1900, 2100)
INSTALL_YEAR_ATTR = Attr(
    "install_year", "int", min_value=INSTALL_YEARS[0], max_value=INSTALL_YEARS[1]
)
ELEVATION_RANGE_M = (-500.0, 9000.0)
# Properties the server derives; a client may send them back unchanged and they are ignored.
DERIVED_PROPERTIES = frozenset(
    {
        "length_m",
        "start_node_id",
        "end_node_id",
        "start_node_code",
        "end_node_code",
        "supply_zone_code",
        "town_code",
        "compliance",
        "degree",
    }
)


class NetworkError(Exception):
    """A refused network write. Nothing was changed.

    field: what was wrong ("geometry", "properties.diameter_mm", ...); problem: a stable code;
    location: (lon, lat) of the offending place when there is one.
    """

    status = 400

    def __init__(
        self,
        problem: str,
        message: str,
        *,
        field: str = "geometry",
        location: LonLat | None = None,
        **extra: object,
    ):
        super().__init__(message)
        self.problem, self.message, self.field = problem, message, field
        self.location = None if location is None else (float(location[0]), float(location[1]))
        self.extra = extra

    @property
    def details(self) -> dict:
        """The error's `details` in the API: field, problem, location [lon, lat], extras."""
        location = None if self.location is None else list(self.location)
        return {"field": self.field, "problem": self.problem, "location": location, **self.extra}


class NetworkNotFound(NetworkError):
    status = 404


class NetworkConflict(NetworkError):
    """The feature changed since the writer read it (stale version), or a revert came too late.

    kind is "pipe" or "node"; current_version is what is stored now (None when deleted).
    """

    status = 409

    def __init__(self, message: str, *, kind: str, object_id: int, current_version: int | None):
        super().__init__("conflict", message, field="properties.version")
        self.kind, self.object_id, self.current_version = kind, object_id, current_version


class NetworkBusy(NetworkError):
    """Another network write held the network lock for longer than NETWORK_LOCK_WAIT_S."""

    status = 503
    error_code = "network_busy"

    def __init__(self, wait_s: float):
        super().__init__(
            "network_busy",
            _(
                "Another network edit has been running for more than %(s)g s; nothing was "
                "saved. Try again shortly."
            )
            % {"s": wait_s},
            field="body",
        )


def route_limits_check(line, limits: GeometryLimits | None = None) -> None:
    """NetworkError (field geometry) when a pipe's route (lon/lat LineString) breaks a limit:
    more than PIPE_MAX_VERTICES vertices, an edge over GEOMETRY_MAX_EDGE_DEG (antimeridian),
    longer than the county's bounding-box diagonal (geodesic metres). O(n), one small query
    for the county's extent (none when `limits` is given): run it before any lock."""
    fault = limits_fault(line, limits or pipe_limits())
    if fault is None:
        return
    p = fault.params
    if "lon" in p:
        location = (p["lon"], p["lat"])
    elif fault.code == "too_many_vertices" or line.is_empty:
        location = None  # not even looked at
    else:
        location = midpoint(line)
    extra = {k: p[k] for k in ("limit", "vertex") if k in p}
    raise NetworkError(fault.code, limit_message(fault), location=location, **extra)


def tolerance_m() -> float:
    """The snap tolerance in metres (settings.NETWORK_SNAP_TOLERANCE_M), read at call time."""
    return float(settings.NETWORK_SNAP_TOLERANCE_M)


def _fault_message(fault: GeometryFault) -> str:
    p = fault.params
    messages = {
        "crs_unknown": _(
            "Only GeoJSON in WGS 84 longitude/latitude (EPSG:4326) is accepted, not %(crs)s."
        ),
        "geometry_missing": _("A geometry is required."),
        "geometry_type": _("Geometry type %(found)s; a %(expected)s is expected."),
        "coordinates_malformed": _("Coordinates must be [longitude, latitude] numbers."),
        "coordinates_not_finite": _(
            "Vertex %(vertex)s has a coordinate that is not a finite number."
        ),
        "coordinates_out_of_range": _(
            "Vertex %(vertex)s is not a longitude/latitude pair (|lon| ≤ 180, |lat| ≤ 90)."
        ),
        "too_few_points": _("A pipe needs at least two vertices."),
        "too_many_vertices": _("A geometry may have at most %(limit)s vertices."),
        "zero_length": _("The route has zero length."),
        "self_intersection": _("The route crosses itself."),
        "invalid": _("The geometry is invalid: %(reason)s."),
    }
    return messages.get(fault.code, _("The geometry is not accepted.")) % p


def fault_error(fault: GeometryFault, field: str = "geometry") -> NetworkError:
    """The NetworkError of a pure geometry fault (translated message, same location)."""
    if fault.code == "crs_unknown":
        field = "crs"
    extra = {"vertex": fault.params["vertex"]} if "vertex" in fault.params else {}
    return NetworkError(
        fault.code, _fault_message(fault), field=field, location=fault.location, **extra
    )


def _choice(properties: dict, name: str, choices: list[str], message: str, location) -> str:
    """properties[name] if it is one of choices, else `<name>_invalid` naming them."""
    value = properties[name]
    if value not in choices:
        raise NetworkError(
            f"{name}_invalid",
            message % {"choices": ", ".join(choices)},
            field=f"properties.{name}",
            location=location,
        )
    return value


def _by_attr(attr: Attr, raw: object, location: LonLat | None) -> object:
    """A JSON number checked by the attribute's own rule (the import's): NetworkError
    `<name>_invalid` when it is not a whole number, `<name>_implausible` when refused."""
    field = f"properties.{attr.name}"
    if isinstance(raw, bool) or not isinstance(raw, int | float):  # JSON text is not a number
        raw = object()
    try:
        return attr.parse(raw)
    except AttrImplausible as exc:
        message = str(exc)
        if exc.reason == "range":
            message = _("%(name)s %(value)s is outside %(low)s–%(high)s.") % {
                "name": attr.name,
                "value": raw,
                "low": f"{attr.min_value:g}",
                "high": f"{attr.max_value:g}",
            }
        raise NetworkError(
            f"{attr.name}_implausible", message, field=field, location=location
        ) from None
    except ValueError:
        raise NetworkError(
            f"{attr.name}_invalid",
            _("%(name)s must be a whole number.") % {"name": attr.name},
            field=field,
            location=location,
        ) from None


def _unknown(properties: Mapping, known: set[str], location: LonLat | None) -> None:
    for key in properties:
        if key not in known and key not in DERIVED_PROPERTIES and key != "version":
            raise NetworkError(
                "property_unknown",
                _("Unknown property %(name)s.") % {"name": key},
                field=f"properties.{key}",
                location=location,
            )


def text_clean(text: str, *, field: str, location: LonLat | None = None) -> str:
    """The text unchanged, or NetworkError (problem "markup" or "script_url", the field named)
    when it breaks the one text rule of layers/text_rules.py."""
    problem = text_problem(text)
    if problem is not None:
        raise NetworkError(problem, text_problem_message(problem), field=field, location=location)
    return text


def _code(properties: Mapping, location: LonLat | None) -> str:
    code = properties.get("code")
    if not isinstance(code, str) or not code.strip() or len(code.strip()) > 32:
        raise NetworkError(
            "code_invalid",
            _("The code must be text of 1 to 32 characters."),
            field="properties.code",
            location=location,
        )
    return text_clean(code.strip(), field="properties.code", location=location)


def pipe_attrs_clean(properties: Mapping, *, partial: bool, location: LonLat | None = None) -> dict:
    """Checked pipe attributes: diameter_mm, material, install_year, status, code.

    partial: only the keys present are checked (PATCH); else diameter and material are
    required. location (lon/lat) is reported with any error. Returns the cleaned values.
    """
    _unknown(properties, {"code", "diameter_mm", "material", "install_year", "status"}, location)
    out: dict = {}
    for name in ("diameter_mm", "material"):
        if not partial and properties.get(name) in (None, ""):
            raise NetworkError(
                f"{name}_missing",
                _("%(name)s is required.") % {"name": name},
                field=f"properties.{name}",
                location=location,
            )
    if "diameter_mm" in properties:
        out["diameter_mm"] = _by_attr(DIAMETER_ATTR, properties["diameter_mm"], location)
    if "material" in properties:
        out["material"] = _choice(
            properties,
            "material",
            PipeSegment.Material.values,
            _("Material must be one of %(choices)s."),
            location,
        )
    if properties.get("install_year") is not None:
        out["install_year"] = _by_attr(INSTALL_YEAR_ATTR, properties["install_year"], location)
    elif "install_year" in properties:
        out["install_year"] = None
    if "status" in properties:
        out["status"] = _choice(
            properties,
            "status",
            PipeSegment.Status.values,
            _("Status must be one of %(choices)s."),
            location,
        )
    if properties.get("code") not in (None, ""):
        out["code"] = _code(properties, location)
    return out


def node_attrs_clean(properties: Mapping, *, partial: bool, location: LonLat | None = None) -> dict:
    """Checked node attributes: kind (required unless partial), code, elevation_m (m)."""
    _unknown(properties, {"code", "kind", "elevation_m"}, location)
    out: dict = {}
    if "kind" in properties or not partial:
        if properties.get("kind") not in PipeNode.Kind.values:
            raise NetworkError(
                "kind_invalid",
                _("Kind must be one of %(choices)s.")
                % {"choices": ", ".join(PipeNode.Kind.values)},
                field="properties.kind",
                location=location,
            )
        out["kind"] = properties["kind"]
    if properties.get("elevation_m") is not None:
        value = properties["elevation_m"]
        low, high = ELEVATION_RANGE_M
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise NetworkError(
                "elevation_m_implausible",
                _("Elevation must be a number of metres between %(low)s and %(high)s.")
                % {"low": low, "high": high},
                field="properties.elevation_m",
                location=location,
            )
        out["elevation_m"] = float(value)
    elif "elevation_m" in properties:
        out["elevation_m"] = None
    if properties.get("code") not in (None, ""):
        out["code"] = _code(properties, location)
    return out
