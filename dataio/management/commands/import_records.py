"""manage.py import_records <kind> <file> [--dry-run] [--mapping m.json | --mapping-name N]:
CSV or XLSX records, all or nothing."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataio.importing import RECORD_KINDS, records_import
from dataio.importing.errors import ImportFailed, ImportReport, RowError
from dataio.progress import run_import
from dataio.selectors import import_mapping_get


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

        parser.add_argument(
            "--mapping",
            type=Path,
            help="a source's own column and value names, as JSON (docs/data-formats.md)",
        )
        parser.add_argument(
            "--mapping-name",
            help="a saved mapping of the source (admin: import mappings), by its name",
        )

    def handle(self, *args, **opts):
        if opts["mapping"] and opts["mapping_name"]:
            raise CommandError("give --mapping or --mapping-name, not both")
        run_import(self, opts, lambda progress: self.run(opts, progress), kind="records",
                   target=opts["kind"])  # fmt: skip

    def run(self, opts, progress) -> ImportReport:
        mapping = None
        saved = None
        if opts["mapping_name"]:
            saved = import_mapping_get(opts["mapping_name"], opts["kind"], kind="records")
            mapping = saved.mapping
        elif opts["mapping"]:
            try:
                mapping = json.loads(Path(opts["mapping"]).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ImportFailed(
                    [RowError(0, "mapping", f"cannot read the mapping file: {exc}")]
                ) from None
        report = records_import(
            kind=opts["kind"],
            path=opts["file"],
            dry_run=opts["dry_run"],
            clear_blanks=opts["clear_blanks"],
            progress=progress,
            mapping=mapping,
        )
        if saved is not None:
            report.notes.insert(0, f"saved mapping used: {saved.name}")
        return report
