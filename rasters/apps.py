"""Raster layers (elevation, rainfall, land use): overlays, values, zonal statistics."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RastersConfig(AppConfig):
    name = "rasters"
    verbose_name = _("Raster layers")
