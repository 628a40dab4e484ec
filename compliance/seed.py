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
)


def seed_data() -> tuple[int, list[dict]]:
    """(seed version, indicator dicts) from the seed file."""
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    return int(data["version"]), list(data["indicators"])
