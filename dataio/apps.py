"""Import and export of layers, records and rasters (GDAL/pyogrio, CSV/XLSX) and their commands."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "dataio"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from audit.summaries import import_target_namer_set  # noqa: PLC0415
        from dataio.titles import import_title  # noqa: PLC0415 - models ready

        import_target_namer_set(import_title)  # the audit log names what an import went into
