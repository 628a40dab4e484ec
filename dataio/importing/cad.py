"""CAD drawings (DXF, read by GDAL's DXF driver) into a layer's table, by a mapping's CAD rules.

A design institute's network drawing holds pipes as LINE/LWPOLYLINE/POLYLINE entities on CAD
layers (`给水管-DN200`, `WS_PIPE`), valves and hydrants as blocks (INSERT), labels as TEXT.
The mapping's `cad` rules, per layer slug, say which CAD layers hold the layer and where its
attributes come from:

    {"cad": {"pipes": {"layers": ["给水管-*", "WS_PIPE"],
                       "extract": {"diameter_mm": ["layer", "DN(\\\\d+)"],
                                   "material": ["text", "(球墨铸铁管|PE管|钢管)"]},
                       "labels": {"layers": ["标注"], "within_m": 5},
                       "defaults": {"material": "ductile_iron"},
                       "code_prefix": "SJY-"},
             "pipe-nodes": {"layers": ["阀门", "消火栓"], "blocks": {"FM": "valve"}}},
     "columns": {"BH": "code"}, "srid": 4546}

extract: attribute ← [source, regular expression] (or a list of them, the first that
matches wins) where source is the CAD layer name
("layer"), the nearest label's text ("text", within `labels.within_m` drawing units =
metres), the block name ("block") or a block attribute ("attr:TAG"); the first group (or the
whole match) is the value. Block attributes are also columns by their tag (so `columns`
maps them). A feature without a code gets `<code_prefix><entity handle>` (stable while the
drawing is edited in CAD; a drawing rebuilt from scratch gets new handles).

GDAL linearises arcs, bulges and splines; Z is dropped later (rows_parse). Entities on the
mapped CAD layers that the target cannot take (HATCH, DIMENSION, TEXT alone, an open polyline
for a polygon layer, a block not named in `blocks`) are skipped, each one named in the report
by its position among the drawing's entities, handle, type and CAD layer; entities on other
CAD layers are counted per CAD layer. Reasons are English (pages translate: error_text).
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyogrio
import shapely

from dataio.importing.delivery import COLUMN_ALIASES, Mapping, cad_extract_rules
from dataio.importing.errors import ImportFailed, RowError
from dataio.importing.files import VectorTable

# Entity types each geometry type of a layer takes.
_TAKES = {
    "LineString": {"LINE", "LWPOLYLINE", "POLYLINE", "ARC", "SPLINE"},
    "Polygon": {"LWPOLYLINE", "POLYLINE", "CIRCLE"},
    "Point": {"INSERT", "POINT"},
}
_SKIP_REASONS = {
    "HATCH": "a hatch is a fill pattern, not a feature",
    "DIMENSION": "a dimension is annotation",
    "TEXT": "text alone has no feature (use its CAD layer as labels)",
    "MTEXT": "text alone has no feature (use its CAD layer as labels)",
    "ATTRIB": "a block attribute is read with its block",
    "LEADER": "a leader is annotation",
    "MLEADER": "a leader is annotation",
}
# SubClasses as GDAL writes them → entity type, for binary DXF (no handle scan).
_SUBCLASS_TYPES = (
    ("AcDbHatch", "HATCH"), ("AcDbDimension", "DIMENSION"), ("AcDbMText", "MTEXT"),
    ("AcDbAttribute", "ATTRIB"), ("AcDbText", "TEXT"), ("AcDbBlockReference", "INSERT"),
    ("AcDbArc", "ARC"), ("AcDbCircle", "CIRCLE"), ("AcDbPolyline", "LWPOLYLINE"),
    ("AcDb2dPolyline", "POLYLINE"), ("AcDb3dPolyline", "POLYLINE"), ("AcDbSpline", "SPLINE"),
    ("AcDbLine", "LINE"), ("AcDbPoint", "POINT"), ("AcDbEllipse", "ELLIPSE"),
    ("AcDbTrace", "TRACE"), ("AcDbSolid", "SOLID"), ("AcDbLeader", "LEADER"),
)  # fmt: skip
# How many skipped entities the report names one by one (the rest are counted by type).
SKIPPED_LISTED = 200
_DEFAULT_PREFIX = "CAD-"


def _fail(reason: str) -> ImportFailed:
    return ImportFailed([RowError(0, "", reason)])


def dxf_scan(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The header variables ($ACADVER, $DWGCODEPAGE) and every model-space entity's type by
    its handle, from an ASCII DXF's group-code/value line pairs, read as a stream ({} for a
    binary DXF, whose types come from GDAL's SubClasses)."""
    header: dict[str, str] = {}
    types: dict[str, str] = {}
    with path.open("rb") as fh:
        if fh.read(18) == b"AutoCAD Binary DXF":
            return {}, {}
        fh.seek(0)
        section = kind = variable = ""
        while True:
            code_line, value_line = fh.readline(), fh.readline()
            if not value_line:
                break
            code = code_line.strip()
            value = value_line.strip().decode("latin-1")
            if code == b"0":
                kind = value
                if value == "ENDSEC":
                    section = ""
            elif code == b"2" and kind == "SECTION":
                section = value
            elif section == "HEADER" and code == b"9":
                variable = value
            elif (
                section == "HEADER"
                and variable in ("$ACADVER", "$DWGCODEPAGE")
                and code
                in (
                    b"1",
                    b"3",
                )
            ):
                header.setdefault(variable, value)
            elif section == "ENTITIES" and code == b"5":
                types.setdefault(value.upper(), kind)
    return header, types


def _entity_type(handle: str, subclasses: str | None, types: dict[str, str]) -> str:
    if handle and handle.upper() in types:
        return types[handle.upper()]
    for marker, kind in _SUBCLASS_TYPES:
        if marker in (subclasses or ""):
            return kind
    return "UNKNOWN"


def dxf_encoding(header: dict[str, str], encoding: str | None) -> str | None:
    """The text encoding GDAL must read the drawing with: UTF-8 from AutoCAD 2007 (AC1021)
    on; else the one given; else None (GDAL follows $DWGCODEPAGE: ANSI_936 is GBK)."""
    version = header.get("$ACADVER", "")
    if version.startswith("AC") and version[2:].isdigit() and int(version[2:]) >= 1021:
        return "UTF-8"
    return encoding


@contextmanager
def _gdal_options(options: dict[str, str | None]):
    """GDAL configuration options for one read (GDAL's are per process: set, then reset)."""
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(dict.fromkeys(options))


def _matches(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def dxf_read(
    path: Path, *, slug: str, geometry_type: str, mapping: Mapping, encoding: str | None
) -> tuple[VectorTable, list[str]]:
    """The features of the drawing that the mapping's rules for `slug` select, as a table in
    the drawing's coordinates (crs None: the user names it), and the report's notes (what was
    skipped and why). ImportFailed when the drawing cannot be read or has no rules for slug
    (naming the drawing's CAD layers, to write them)."""
    header, types = dxf_scan(path)
    options = {
        "DXF_INLINE_BLOCKS": "FALSE",  # an INSERT stays one point with its block's name
        "DXF_ENCODING": dxf_encoding(header, encoding),
        "DXF_CLOSED_LINE_AS_POLYGON": "TRUE" if geometry_type == "Polygon" else None,
    }
    try:
        with _gdal_options(options):
            meta, _fids, geoms, data = pyogrio.raw.read(path, layer="entities")
    except Exception as exc:  # GDAL's errors for a truncated or foreign file
        raise _fail(f"cannot read the DXF drawing: {exc}") from None
    fields = {name: column for name, column in zip(meta["fields"], data, strict=True)}
    total = len(geoms)
    cad_layers = [str(v) if v is not None else "" for v in fields.get("Layer", [None] * total)]
    rule = mapping.cad.get(slug)
    if rule is None:
        counts = Counter(cad_layers)
        listed = ", ".join(f"{name} ({n})" for name, n in counts.most_common(30))
        raise _fail(
            f"a DXF drawing needs a mapping saying which CAD layers hold {slug} "
            f'("cad": {{"{slug}": {{"layers": [...]}}}}); the drawing\'s CAD layers: {listed}'
        )
    handles = [str(v) if v is not None else "" for v in fields.get("EntityHandle", [None] * total)]
    subclasses = fields.get("SubClasses", [None] * total)
    texts = fields.get("Text", [None] * total)
    blocks = fields.get("BlockName", [None] * total)
    block_attrs = fields.get("BlockAttributes", [None] * total)
    label_rule = rule.get("labels") or {}
    label_layers = label_rule.get("layers", [])
    kinds = rule.get("blocks", {})
    taken: list[int] = []
    skipped: list[tuple[int, str, str, str, str]] = []  # (row, handle, type, layer, reason)
    unmapped: Counter = Counter()
    labels: list[tuple[str, object]] = []
    seen_handles: set[str] = set()
    for i in range(total):
        layer = cad_layers[i]
        kind = _entity_type(handles[i], subclasses[i], types)
        if kind in ("TEXT", "MTEXT") and _matches(layer, label_layers) and texts[i]:
            labels.append((str(texts[i]), geoms[i]))
            continue
        if not _matches(layer, rule["layers"]):
            unmapped[layer] += 1
            continue
        reason = _skip_reason(kind, geometry_type, geoms[i], blocks[i], kinds)
        if reason:
            if handles[i] not in seen_handles:  # a dimension is drawn as several features
                skipped.append((i + 1, handles[i], kind, layer, reason))
            seen_handles.add(handles[i])
            continue
        taken.append(i)
    notes = _skip_notes(skipped, unmapped, slug)
    if not taken:
        raise ImportFailed(
            [RowError(0, "", f"no entity of the drawing can go into {slug}; " + "; ".join(notes))]
        )
    table = _table(
        taken, geoms, cad_layers, handles, blocks, block_attrs, labels, rule, mapping, label_rule
    )
    return table, [f"DXF drawing: {len(taken)} of {total} entities read into {slug}", *notes]


def _skip_reason(kind: str, geometry_type: str, wkb, block, kinds: dict) -> str | None:
    if kind not in _TAKES.get(geometry_type, set()):
        return _SKIP_REASONS.get(kind, f"a {kind} entity cannot be a {geometry_type} feature")
    if wkb is None:
        return "the entity has no geometry"
    geom_type = shapely.get_type_id(shapely.from_wkb(wkb))
    if geometry_type == "Polygon" and geom_type not in (
        shapely.GeometryType.POLYGON,
        shapely.GeometryType.MULTIPOLYGON,
    ):
        return "the polyline is not closed"
    if geometry_type == "LineString" and geom_type != shapely.GeometryType.LINESTRING:
        return "a polyface or mesh is not a line"
    if kind == "INSERT" and kinds and str(block) not in kinds:
        return f"the block {block} is not in the mapping's blocks"
    return None


def _skip_notes(skipped: list, unmapped: Counter, slug: str) -> list[str]:
    notes = [
        f"row {row} (entity {handle}, {kind}, CAD layer {layer}): skipped: {reason}"
        for row, handle, kind, layer, reason in skipped[:SKIPPED_LISTED]
    ]
    if len(skipped) > SKIPPED_LISTED:
        rest = Counter(kind for _r, _h, kind, _l, _reason in skipped[SKIPPED_LISTED:])
        notes.append(
            f"{len(skipped) - SKIPPED_LISTED} more entities skipped: "
            + ", ".join(f"{kind} {n}" for kind, n in rest.most_common())
        )
    notes += [
        f"CAD layer {layer}: {n} entities skipped: not mapped to {slug}"
        for layer, n in sorted(unmapped.items())
    ]
    return notes


def _block_attributes(value) -> dict[str, str]:
    """GDAL's BlockAttributes list ("TAG value", …) as {TAG: value}."""
    if value is None:
        return {}
    out = {}
    for item in list(value):
        tag, _sep, text = str(item).partition(" ")
        if tag:
            out.setdefault(tag, text.strip())
    return out


def _table(taken, geoms, cad_layers, handles, blocks, block_attrs, labels, rule, mapping,
           label_rule) -> VectorTable:  # fmt: skip
    """The selected entities' columns: code, extracted attributes, block kinds, defaults and
    block attributes by tag."""
    attrs = [_block_attributes(block_attrs[i]) for i in taken]
    tags = sorted({t for a in attrs for t in a})
    code_tags = [
        t
        for t in tags
        if mapping.columns.get(t) == "code" or t in ("code", *COLUMN_ALIASES["code"])
    ]
    chosen = [shapely.from_wkb(geoms[i]) for i in taken]
    label_of = _nearest_labels(chosen, labels, float(label_rule.get("within_m", 5)))
    prefix = rule.get("code_prefix", _DEFAULT_PREFIX)
    columns: dict[str, list] = {t: [a.get(t) for a in attrs] for t in tags if t not in code_tags}
    columns["code"] = [
        next((a[t] for t in code_tags if a.get(t)), None) or f"{prefix}{handles[i]}"
        for a, i in zip(attrs, taken, strict=True)
    ]
    sources = {
        "layer": [cad_layers[i] for i in taken],
        "text": label_of,
        "block": [str(blocks[i]) if blocks[i] is not None else None for i in taken],
    }
    for attr, how in rule.get("extract", {}).items():
        found: list[str | None] = [None] * len(taken)
        for source, pattern in cad_extract_rules(how):  # the first rule that matches wins
            texts = (
                sources[source]
                if source in sources
                else [a.get(source.removeprefix("attr:")) for a in attrs]
            )
            regex = re.compile(pattern)
            found = [
                f if f is not None else _extract(regex, t)
                for f, t in zip(found, texts, strict=True)
            ]
        columns[attr] = found
    kinds = rule.get("blocks", {})
    if kinds:
        found = [kinds.get(b) if b else None for b in sources["block"]]
        columns["kind"] = [
            k or old for k, old in zip(found, columns.get("kind", found), strict=True)
        ]
    for attr, value in rule.get("defaults", {}).items():
        column = columns.get(attr, [None] * len(taken))
        columns[attr] = [v if v not in (None, "") else value for v in column]
    return VectorTable(
        crs=None,
        geometries=np.array([geoms[i] for i in taken], dtype=object),
        columns={k: np.array(v, dtype=object) for k, v in columns.items()},
        renamed={},
    )


def _extract(regex: re.Pattern, text: str | None) -> str | None:
    match = regex.search(text) if text else None
    if match is None:
        return None
    return match.group(1) if regex.groups else match.group(0)


def _nearest_labels(chosen: list, labels: list, within: float) -> list[str | None]:
    """Each feature's nearest label text within `within` drawing units, or None."""
    if not labels:
        return [None] * len(chosen)
    points = shapely.from_wkb([wkb for _t, wkb in labels])
    tree = shapely.STRtree(points)
    found: list[str | None] = [None] * len(chosen)
    left, right = tree.query_nearest(chosen, max_distance=within)
    for feature, label in zip(left.tolist(), right.tolist(), strict=True):
        if found[feature] is None:
            found[feature] = labels[label][0]
    return found
