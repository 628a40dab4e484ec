"""What the map page tells its raster panel (rasters.js): where the list is, translated labels."""

from django.urls import reverse
from django.utils.translation import gettext as _


def raster_panel_config() -> dict:
    """The raster panel's API address and labels, translated on the server."""
    return {
        "list": reverse("rasters:raster-list"),
        "labels": {
            "rasters": _("Terrain, rainfall and land use"),
            "hillshade": _("Relief shading (basemap)"),
            "opacity": _("Opacity"),
            "click_hint": _("Click the map to read the values under the cursor."),
            "no_value": _("no data here"),
            "zonal": _("Raster statistics"),
            "mean": _("mean"),
            "min": _("min"),
            "max": _("max"),
            "mu": _("mu"),
        },
    }
