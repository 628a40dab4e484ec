"""manage.py import_records <kind> <file> [--dry-run]: CSV or XLSX records, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from layers.importing import RECORD_KINDS, ImportFailed, records_import
from layers.management.progress import ProgressBar


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # data commands; `manage.py check` covers settings
    help = "Import records (CSV UTF-8 with or without BOM, or XLSX) of one kind."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(RECORD_KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )

    def handle(self, *args, **opts):
        progress = ProgressBar(enabled=opts["verbosity"] > 0)
        try:
            report = records_import(
                kind=opts["kind"], path=opts["file"], dry_run=opts["dry_run"], progress=progress
            )
        except ImportFailed as exc:
            progress.close()
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"import refused: {len(exc.errors)} problem(s); nothing was written"
            ) from None
        progress.close()
        if opts["verbosity"] > 0:
            self.stdout.write(report.summary())
