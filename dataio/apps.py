"""Import and export of layers, records and rasters (GDAL/pyogrio, CSV/XLSX) and their commands."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "dataio"
    verbose_name = _("Import and export")
