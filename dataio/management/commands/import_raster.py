"""manage.py import_raster <slug> <file> [--title T] [--title-en T] [--unit U] [--kind K]."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_import
from dataio.importing import ImportFailed
from dataio.importing.raster_import import KINDS, raster_import


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # data commands; `manage.py check` covers settings
    help = (
        "Register a single-band GeoTIFF (any allow-listed EPSG code) as a raster layer; "
        "refused files store nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="e.g. elevation, rainfall, land-use")
        parser.add_argument("file", type=Path)
        parser.add_argument("--title", help="title (Chinese; default: the style file's)")
        parser.add_argument("--title-en", help="English title (default: the style file's)")
        parser.add_argument("--unit", help="unit of the values, e.g. m or mm")
        parser.add_argument("--kind", choices=KINDS, help="continuous values or class values")
        parser.add_argument("--source", default="", help="where the data comes from")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, store nothing"
        )

    def handle(self, *args, **opts):
        try:
            report = raster_import(
                slug=opts["slug"],
                path=opts["file"],
                title=opts["title"],
                title_en=opts["title_en"],
                unit=opts["unit"],
                kind=opts["kind"],
                source=opts["source"],
                dry_run=opts["dry_run"],
            )
        except ImportFailed as exc:
            audit_import(kind="raster", target=opts["slug"], path=opts["file"], errors=exc.errors)
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"import refused: {exc}; nothing was stored") from None
        audit_import(kind="raster", target=opts["slug"], path=opts["file"], report=report)
        if opts["verbosity"] > 0:
            self.stdout.write(report.summary())  # for the terrain: the nodes' new elevations
