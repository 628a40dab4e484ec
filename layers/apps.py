"""The spatial data: layers, records, import and export."""

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from layers.styles import LayerExpectation, styles_dir, validate_styles_dir

STYLES_CHECK_ID = "layers.E001"


def check_styles(app_configs=None, **kwargs) -> list[checks.Error]:
    """layers.E001: one valid style file per registered layer, plus styles/compliance.json."""
    from layers.registry import LAYERS  # noqa: PLC0415 - the registry holds models, ready only now

    expectations = {
        slug: LayerExpectation(
            spec.geometry_type, {a.name: (a.kind, a.choices) for a in spec.attrs}
        )
        for slug, spec in LAYERS.items()
    }
    return [
        checks.Error(
            message,
            hint="Fix the file in styles/ (see layers/styles.py for the format).",
            obj="styles",
            id=STYLES_CHECK_ID,
        )
        for message in validate_styles_dir(styles_dir(), expectations)
    ]


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = _("Layers")

    def ready(self) -> None:
        from layers.services.versions import connect_request_signals  # noqa: PLC0415

        checks.register(check_styles, "layers", "styles")
        connect_request_signals()
