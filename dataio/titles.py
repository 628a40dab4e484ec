"""What an import goes into, named for people: a layer, a record kind or a raster, in the
reader's language (import pages, the data page, the audit log's sentences)."""

from __future__ import annotations

from django.utils.translation import get_language

from dataio.models import ImportJob
from layers.records import RECORD_KINDS
from layers.registry import LAYERS
from layers.styles import styles_dir
from layers.styles_raster import raster_style_for
from rasters.models import RasterLayer


def raster_slugs() -> list[str]:
    """Rasters that may be imported: every raster with a style file, and every stored one."""
    styled = {p.stem.removeprefix("raster-") for p in styles_dir().glob("raster-*.json")}
    return sorted(styled | set(RasterLayer.objects.values_list("slug", flat=True)))


def raster_title(slug: str) -> str:
    layer = RasterLayer.objects.filter(slug=slug).first()
    if layer is not None:
        return layer.title
    style = raster_style_for(slug, styles_dir()) or {}
    english = (get_language() or "").startswith("en")
    return style.get("title_en" if english else "title_zh") or slug


def import_title(kind: str, target: str) -> str:
    """What a job imports into, in the reader's language."""
    if kind == ImportJob.Kind.LAYER:
        spec = LAYERS.get(target)
        return str(spec.title) if spec else target
    if kind == ImportJob.Kind.RECORDS:
        spec = RECORD_KINDS.get(target)
        return str(spec.model._meta.verbose_name_plural) if spec else target
    return raster_title(target)
