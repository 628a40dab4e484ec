"""manage.py import_records <kind> <file> [--dry-run]: CSV or XLSX records, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand

from dataio.importing import RECORD_KINDS, records_import
from dataio.progress import run_import


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # data commands; `manage.py check` covers settings
    help = "Import records (CSV UTF-8 with or without BOM, or XLSX) of one kind."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(RECORD_KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--clear-blanks",
            action="store_true",
            help="an empty cell clears a stored value; without it such a cell is refused",
        )

    def handle(self, *args, **opts):
        run_import(
            self,
            opts,
            lambda progress: records_import(
                kind=opts["kind"],
                path=opts["file"],
                dry_run=opts["dry_run"],
                clear_blanks=opts["clear_blanks"],
                progress=progress,
            ),
            kind="records",
            target=opts["kind"],
        )
