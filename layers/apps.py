"""The core of the spatial data: areas and zones, the layer registry, features API, tiles."""

from django.apps import AppConfig
from django.core import checks
from django.core.signals import setting_changed
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
        from layers.layer_specs import RECORD_SPECS, SPECS  # noqa: PLC0415 - models ready
        from layers.records import record_kind_register  # noqa: PLC0415
        from layers.registry import layer_register  # noqa: PLC0415
        from layers.services.versions import connect_request_signals  # noqa: PLC0415

        for spec in SPECS:
            layer_register(spec)
        for kind in RECORD_SPECS:
            record_kind_register(kind)

        checks.register(check_styles, "layers", "styles")
        connect_request_signals()
        datum_parameters_from_settings()
        setting_changed.connect(_datum_setting_changed)


def _datum_setting_changed(setting: str = "", **_kwargs) -> None:
    if setting in ("XIAN80_TOWGS84", "BEIJING54_TOWGS84"):
        datum_parameters_from_settings()


def datum_parameters_from_settings() -> None:
    """Hand the older datums' transformation parameters to layers.geometry (no Django there);
    again whenever a test changes the settings."""
    from django.conf import settings  # noqa: PLC0415

    from layers.geometry import datum_parameters_set  # noqa: PLC0415

    datum_parameters_set(
        {"xian1980": settings.XIAN80_TOWGS84, "beijing1954": settings.BEIJING54_TOWGS84}
    )
