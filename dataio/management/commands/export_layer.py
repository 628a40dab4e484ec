"""manage.py export_layer <slug> <file>: .gpkg, .geojson, .zip (Shapefile) or .csv (WKT)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataio.exporting import ExportError, layer_export
from layers.registry import LAYERS


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # data commands; `manage.py check` covers settings
    help = "Export a layer to GeoPackage, GeoJSON, zipped Shapefile or CSV."

    def add_arguments(self, parser):
        parser.add_argument("slug", choices=list(LAYERS))
        parser.add_argument("file", type=Path)

    def handle(self, *args, **opts):
        try:
            count = layer_export(slug=opts["slug"], path=opts["file"])
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        if opts["verbosity"] > 0:
            self.stdout.write(f"{opts['slug']}: {count} features written to {opts['file']}")
