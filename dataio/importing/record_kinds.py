"""The record kinds a bureau imports as CSV/XLSX (registered by their apps, layers/records.py)."""

from layers.records import RECORD_KINDS, RecordKind

__all__ = ["RECORD_KINDS", "RecordKind"]
