"""Import of layer files and record files: all-or-nothing, with a report of every bad row."""

from dataio.importing.errors import ImportFailed, ImportReport, RowError
from dataio.importing.layer_import import layer_import
from dataio.importing.records_import import RECORD_KINDS, records_import

__all__ = [
    "RECORD_KINDS",
    "ImportFailed",
    "ImportReport",
    "RowError",
    "layer_import",
    "records_import",
]
