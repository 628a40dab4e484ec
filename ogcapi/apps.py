"""OGC API – Features over the layers (Part 1 Core, Part 2 CRS, Part 4 writes for the network)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OgcapiConfig(AppConfig):
    name = "ogcapi"
    verbose_name = _("OGC API – Features")
