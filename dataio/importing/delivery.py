"""Files as deliveries come (issue 18): Chinese or abbreviated column names, Chinese values
(`球墨铸铁管`, `闸阀`, `DN100`), a mapping of a source's own names kept as a JSON file, and
multi-part lines exploded into one pipe per part — applied to a file's table before the rows
are parsed, each step written in the report's notes.

A mapping file (`import_layer --mapping m.json`, one per source):
    {"columns": {"GJ": "diameter_mm", "CZ": "material"},
     "values": {"material": {"QT": "ductile_iron"}, "status": {"1": "in_service"}}}
It wins over the built-in names below.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from dataio.importing.errors import ImportFailed, RowError
from dataio.importing.files import VectorTable
from layers.geometry import ALLOWED_SRIDS
from layers.registry import LAYERS

# Column names found in bureaus' and surveyors' files, per attribute (used only when the file
# has no column of the attribute's own name).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("编码", "编号", "管段编号", "管线编号", "节点编号", "代码"),
    "name": ("名称", "单位名称", "用户名称", "厂名"),
    "diameter_mm": ("管径", "口径", "公称直径", "管径mm", "管径(mm)", "DN"),
    "material": ("材质", "管材"),
    "install_year": ("建设年份", "敷设年份", "埋设年份", "安装年份", "建成年份"),
    "status": ("状态", "运行状态"),
    "kind": ("类型", "节点类型", "设施类型"),
    "elevation_m": ("高程", "地面高程"),
    "design_capacity_m3d": ("设计规模", "设计能力", "设计规模(m3/d)"),
    "sector": ("行业", "用水行业"),
}

# Values as written in Chinese deliveries, per attribute → the stored choice.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "material": {
        "球墨铸铁": "ductile_iron", "球墨铸铁管": "ductile_iron", "球铁": "ductile_iron",
        "球铁管": "ductile_iron", "灰口铸铁": "cast_iron", "灰口铸铁管": "cast_iron",
        "铸铁": "cast_iron", "铸铁管": "cast_iron", "钢": "steel", "钢管": "steel",
        "镀锌管": "steel", "镀锌钢管": "steel", "不锈钢管": "steel", "PE管": "PE",
        "聚乙烯": "PE", "聚乙烯管": "PE", "HDPE": "PE", "PVC管": "PVC", "PVC-U": "PVC",
        "UPVC": "PVC", "U-PVC": "PVC", "聚氯乙烯": "PVC", "混凝土": "concrete",
        "混凝土管": "concrete", "钢筋混凝土管": "concrete", "预应力混凝土管": "concrete",
        "其他": "other", "其它": "other",
    },
    "status": {
        "在用": "in_service", "运行": "in_service", "使用中": "in_service", "正常": "in_service",
        "废弃": "abandoned", "停用": "abandoned", "报废": "abandoned",
        "规划": "planned", "拟建": "planned", "在建": "planned",
    },
    "kind": {
        "阀门": "valve", "闸阀": "valve", "蝶阀": "valve", "阀": "valve",
        "消火栓": "hydrant", "消防栓": "hydrant", "水表": "meter", "流量计": "meter",
        "水源": "source", "取水口": "source", "水厂": "plant", "堵头": "end_cap",
        "管堵": "end_cap", "三通": "junction", "四通": "junction", "弯头": "junction",
        "节点": "junction", "连接点": "junction",
    },
}  # fmt: skip

# DN100, De110, Φ200, φ 150 mm: the nominal (or outer) diameter in mm.
_DIAMETER = re.compile(r"^\s*(?:DN|De|dn|de|Φ|φ|Ø)?\s*(\d+(?:\.\d+)?)\s*(?:mm|MM)?\s*$")


@dataclass
class Mapping:
    """A source's own names: file column → attribute, per attribute value → choice, and for
    CAD drawings per layer slug the rules of dataio/importing/cad.py; with the coordinate
    system (EPSG code) and text encoding the source always delivers in, when it says them."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    cad: dict[str, dict] = field(default_factory=dict)
    srid: int | None = None
    encoding: str | None = None


MAPPING_KEYS = {"columns", "values", "cad", "srid", "encoding"}
# Coordinate columns a mapping may name (a spreadsheet's 东经/北纬 → lon/lat).
COORDINATE_TARGETS = {"lon", "lat"}
CAD_RULE_KEYS = {"layers", "extract", "labels", "blocks", "defaults", "code_prefix"}
CAD_SOURCES = {"layer", "text", "block"}


def mapping_problems(data: object, attr_names: list[str] | None = None) -> list[str]:
    """What is wrong with a mapping (the JSON of a mapping file or a saved ImportMapping), in
    English (pages translate: error_text); [] when it is good. attr_names: the target layer's
    attributes (None: any layer's, as for a saved mapping of a whole CAD drawing)."""
    if not isinstance(data, dict):
        return ['the mapping is an object with "columns", "values", "cad", "srid" or "encoding"']
    problems = []
    extra = sorted(set(data) - MAPPING_KEYS)
    if extra:
        problems.append(f"the mapping has unknown keys: {', '.join(extra)}")
    known = (
        set(attr_names)
        if attr_names is not None
        else {a for spec in LAYERS.values() for a in spec.attr_names}
    )
    columns = data.get("columns", {})
    values = data.get("values", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        problems.append('"columns" maps a file column to an attribute name')
        columns = {}
    if not isinstance(values, dict) or not all(
        isinstance(m, dict) and all(isinstance(v, str) for v in m.values()) for m in values.values()
    ):
        problems.append('"values" maps an attribute to {file value: stored value}')
        values = {}
    unknown = sorted({*columns.values(), *values} - known - COORDINATE_TARGETS)
    if unknown:
        problems.append(f"the mapping names unknown attributes: {', '.join(unknown)}")
    srid = data.get("srid")
    if srid is not None and (not isinstance(srid, int) or srid not in ALLOWED_SRIDS):
        problems.append(f"srid {srid!r} is not an allowed EPSG code")
    encoding = data.get("encoding")
    if encoding is not None:
        try:
            "".encode(str(encoding))
        except LookupError:
            problems.append(f"unknown encoding {encoding!r}")
    cad = data.get("cad", {})
    if not isinstance(cad, dict):
        problems.append('"cad" maps a layer (pipes, pipe-nodes…) to its CAD rules')
        cad = {}
    for slug, rule in cad.items():
        problems += [f"cad {slug}: {p}" for p in _cad_rule_problems(slug, rule)]
    return problems


def _cad_rule_problems(slug: str, rule: object) -> list[str]:
    if slug not in LAYERS:
        return [f"unknown layer {slug!r}"]
    if not isinstance(rule, dict):
        return ["the rules are an object"]
    attrs = set(LAYERS[slug].attr_names)
    problems = []
    extra = sorted(set(rule) - CAD_RULE_KEYS)
    if extra:
        problems.append(f"unknown keys: {', '.join(extra)}")
    layers = rule.get("layers")
    if not isinstance(layers, list) or not layers or not all(isinstance(x, str) for x in layers):
        problems.append('"layers" lists the CAD layer names (wildcards * and ? allowed)')
    extract = rule.get("extract", {})
    if not isinstance(extract, dict):
        extract = {"": extract}
    for attr, how in extract.items():
        if attr not in attrs:
            problems.append(f"extract: unknown attribute {attr!r}")
            continue
        for source, pattern in cad_extract_rules(how) or [("", "")]:
            if not (source in CAD_SOURCES or source.startswith("attr:")):
                problems.append(
                    f'extract {attr}: ["layer"|"text"|"block"|"attr:TAG", "regular expression"] '
                    "or a list of them"
                )
                break
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f"extract {attr}: bad regular expression: {exc}")
    labels = rule.get("labels")
    if labels is not None and not (
        isinstance(labels, dict)
        and isinstance(labels.get("layers"), list)
        and isinstance(labels.get("within_m", 5), int | float)
        and 0 < labels.get("within_m", 5) <= 100
    ):
        problems.append('"labels": {"layers": [CAD layers of text], "within_m": 0–100}')
    blocks = rule.get("blocks", {})
    if not isinstance(blocks, dict) or not all(isinstance(v, str) for v in blocks.values()):
        problems.append('"blocks" maps a block name to a node kind')
    defaults = rule.get("defaults", {})
    if not isinstance(defaults, dict) or set(defaults) - attrs:
        problems.append('"defaults" gives attributes of the layer a value')
    prefix = rule.get("code_prefix", "CAD-")
    if not isinstance(prefix, str) or len(prefix) > 20:
        problems.append('"code_prefix" is a short text')
    return problems


def cad_extract_rules(how: object) -> list[tuple[str, str]]:
    """An extract entry as [(source, pattern), …]: one pair or a list of pairs, tried in
    order; [] when it is neither."""
    pairs = [how] if isinstance(how, list) and how and isinstance(how[0], str) else how
    if not isinstance(pairs, list) or not pairs:
        return []
    out = []
    for pair in pairs:
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        ):
            return []
        out.append((pair[0], pair[1]))
    return out


def records_mapping_problems(data: object, headers: list[str]) -> list[str]:
    """What is wrong with a mapping for a record kind (columns and values only: a records
    file has no geometry), in English; [] when it is good."""
    problems = mapping_problems(data, headers)
    if isinstance(data, dict):
        extra = sorted(set(data) & {"cad", "srid", "encoding"})
        if extra:
            problems.append(
                f"a records mapping has columns and values only, not {', '.join(extra)}"
            )
    return problems


def records_mapping_apply(header: list[str], rows, data: dict | None):
    """The header with the mapping's column names read as the kind's own, and the rows with
    its value names replaced (a generator); both unchanged without a mapping."""
    if not data:
        return header, rows
    columns = data.get("columns", {})
    renamed = [columns.get(h, h) if columns.get(h) not in header else h for h in header]
    values = {renamed.index(a): m for a, m in data.get("values", {}).items() if a in renamed}

    def translated():
        for row in rows:
            row = list(row)
            for i, known in values.items():
                if i < len(row) and row[i] is not None and str(row[i]).strip() in known:
                    row[i] = known[str(row[i]).strip()]
            yield row

    return renamed, translated() if values else rows


def mapping_parse(data: object, attr_names: list[str] | None = None) -> Mapping:
    """A Mapping from its JSON, checked (ImportFailed naming every problem)."""
    problems = mapping_problems(data, attr_names)
    if problems:
        raise ImportFailed([RowError(0, "mapping", p) for p in problems])
    assert isinstance(data, dict)  # noqa: S101 — mapping_problems said so
    return Mapping(
        columns={str(k): v for k, v in data.get("columns", {}).items()},
        values={
            a: {str(k): str(v) for k, v in m.items()} for a, m in data.get("values", {}).items()
        },
        cad=data.get("cad", {}),
        srid=data.get("srid"),
        encoding=data.get("encoding"),
    )


def mapping_read(path: Path | None, attr_names: list[str]) -> Mapping:
    """The mapping file, checked (ImportFailed naming what is wrong); empty without one."""
    if path is None:
        return Mapping()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed(
            [RowError(0, "mapping", f"cannot read the mapping file: {exc}")]
        ) from None
    return mapping_parse(data, attr_names)


def columns_rename(table: VectorTable, attr_names: list[str], mapping: Mapping) -> list[str]:
    """Rename the file's columns to attributes: the mapping's first, then the built-in names
    for attributes the file has no column of; returns the notes ("管径 → diameter_mm")."""
    renamed = {}
    for column, attr in mapping.columns.items():
        if column in table.columns and attr not in table.columns:
            renamed[column] = attr
    for attr in attr_names:
        if attr in table.columns or attr in renamed.values():
            continue
        found = [c for c in COLUMN_ALIASES.get(attr, ()) if c in table.columns and c not in renamed]
        if found:
            renamed[found[0]] = attr
    for column, attr in renamed.items():
        table.columns[attr] = table.columns.pop(column)
    return (
        [f"columns read as: {', '.join(f'{c} → {a}' for c, a in renamed.items())}"]
        if renamed
        else []
    )


def values_translate(table: VectorTable, mapping: Mapping) -> list[str]:
    """Chinese choice values and DN diameters → stored values, counted in the notes."""
    notes = []
    for attr in sorted({*VALUE_ALIASES, *mapping.values}):
        column = table.columns.get(attr)
        if column is None:
            continue
        known = {**VALUE_ALIASES.get(attr, {}), **mapping.values.get(attr, {})}
        changed = 0
        out = np.array(column, dtype=object)
        for i, raw in enumerate(column):
            text = str(raw).strip() if raw is not None else ""
            if text in known:
                out[i] = known[text]
                changed += 1
        table.columns[attr] = out
        if changed:
            notes.append(f"values read as stored values: {attr}, {changed} rows")
    column = table.columns.get("diameter_mm")
    if column is not None and np.asarray(column).dtype == object:
        out = np.array(column, dtype=object)
        changed = 0
        for i, raw in enumerate(column):
            match = _DIAMETER.match(str(raw)) if isinstance(raw, str) else None
            if match and not str(raw).strip().isdigit():
                out[i] = match.group(1)
                changed += 1
        table.columns["diameter_mm"] = out
        if changed:
            notes.append(f"diameters read as millimetres (DN100 → 100): {changed} rows")
    return notes


def multipart_explode(table: VectorTable, geometry_type: str) -> list[str]:
    """A layer of lines given multi-part lines: one feature per part, coded `<code>-<n>`
    (n from 1) with the row's other values; a single-part one is its line. Notes say how many
    were split."""
    if geometry_type != "LineString" or table.geometries is None:
        return []
    geoms = shapely.from_wkb(table.geometries)
    types = shapely.get_type_id(geoms)
    multi = np.flatnonzero(types == shapely.GeometryType.MULTILINESTRING)
    if len(multi) == 0:
        return []
    codes = table.columns.get("code")
    rows: list[int] = []
    parts: list = []
    suffixes: list[str] = []
    split = 0
    multipart = set(multi.tolist())
    for i, geom in enumerate(geoms):
        pieces = list(geom.geoms) if i in multipart else [geom]
        if len(pieces) > 1:
            split += 1
        for n, piece in enumerate(pieces, start=1):
            rows.append(i)
            parts.append(piece)
            suffixes.append(f"-{n}" if len(pieces) > 1 else "")
    index = np.array(rows)
    table.geometries = np.array(shapely.to_wkb(np.array(parts, dtype=object)), dtype=object)
    for name, column in list(table.columns.items()):
        table.columns[name] = np.asarray(column, dtype=object)[index]
    if codes is not None:
        table.columns["code"] = np.array(
            [f"{c}{s}" if c not in (None, "") and s else c for c, s in
             zip(table.columns["code"], suffixes, strict=True)], dtype=object
        )  # fmt: skip
    if not split:
        return []
    return [f"multi-part lines split into one feature per part: {split} lines "
            "(row numbers below count the parts)"]  # fmt: skip
