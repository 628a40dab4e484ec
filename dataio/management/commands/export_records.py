"""manage.py export_records <kind> <file>: a record kind to .csv or .xlsx, re-importable."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataio.exporting import ExportError
from dataio.records_export import records_export
from layers.records import RECORD_KINDS


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # data commands; `manage.py check` covers settings
    help = "Export a record kind (a register, consumption, balances…) to CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(RECORD_KINDS))
        parser.add_argument("file", type=Path)

    def handle(self, *args, **opts):
        try:
            count = records_export(kind=opts["kind"], path=opts["file"])
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        if opts["verbosity"] > 0:
            self.stdout.write(f"{opts['kind']}: {count} rows written to {opts['file']}")
