"""The indicator seed: compliance/indicators.json, versioned, loaded without overwriting edits."""

from __future__ import annotations

import json
from pathlib import Path

SEED_FILE = Path(__file__).resolve().parent / "indicators.json"
FIELDS = (
    "name_zh",
    "name_en",
    "family",
    "layer",
    "unit",
    "comparator",
    "threshold",
    "params",
    "points",
    "kind",
    "source",
    "clause",
    "verified",
    "notes",
    "assessment",
    "category",
    "needs_zh",
    "needs_en",
)
# What an upgraded seed may change on an indicator a user has edited: its place in the
# scorecard, not its values (threshold, params, points, source, clause, verified stay as edited).
STRUCTURE = ("name_zh", "name_en", "family", "layer", "kind", "assessment", "category")


def seed_data() -> tuple[int, list[dict]]:
    """(seed version, indicator dicts) from the seed file."""
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    return int(data["version"]), list(data["indicators"])


def categories() -> list[dict]:
    """The 2017 standard's categories in their order: code, names, whether a source confirms
    the category name (docs/research/scorecard-2017.md)."""
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    return list(data.get("categories", []))
