"""manage.py import_layer <slug> <file> [--srid N] [--encoding E] [--gcj02] [--dry-run]
[--clear-blanks] [--retire-missing] [--mapping m.json | --mapping-name NAME]."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataio.importing import layer_import
from dataio.importing.errors import ImportReport
from dataio.progress import run_import
from dataio.selectors import import_mapping_get
from layers.registry import LAYERS


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # data commands; `manage.py check` covers settings
    help = "Import a GeoPackage, GeoJSON or zipped Shapefile into a layer (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("slug", choices=list(LAYERS))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--srid",
            type=int,
            help="EPSG code of the file's coordinates "
            "(only when its own is missing or wrong; allow-listed codes only)",
        )
        parser.add_argument(
            "--encoding", help="text encoding of a Shapefile without .cpg, e.g. GBK"
        )
        parser.add_argument(
            "--gcj02",
            action="store_true",
            help="coordinates are GCJ-02 (Chinese web maps): convert to WGS84",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate and compare with the stored layer; list every feature's change, "
            "write nothing",
        )
        parser.add_argument(
            "--clear-blanks",
            action="store_true",
            help="an empty cell clears a stored value (fields that may be blank only); "
            "without it such a cell is refused",
        )
        parser.add_argument(
            "--retire-missing",
            action="store_true",
            help="the file is the whole layer: retire the features it leaves out "
            "(pipes: abandoned; sewage plants: closed)",
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
        run_import(self, opts, lambda progress: self.run(opts, progress), kind="layer",
                   target=opts["slug"])  # fmt: skip

    def run(self, opts, progress) -> ImportReport:
        mapping = opts["mapping"]
        saved = None
        if opts["mapping_name"]:
            saved = import_mapping_get(opts["mapping_name"], opts["slug"], kind="layer")
            mapping = saved.mapping
        report = layer_import(
            slug=opts["slug"],
            path=opts["file"],
            srid=opts["srid"],
            encoding=opts["encoding"],
            gcj02=opts["gcj02"],
            dry_run=opts["dry_run"],
            clear_blanks=opts["clear_blanks"],
            retire_missing=opts["retire_missing"],
            mapping=mapping,
            progress=progress,
        )
        if saved is not None:
            report.notes.insert(0, f"saved mapping used: {saved.name}")
        return report
