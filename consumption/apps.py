"""Water users, their monthly consumption, and the consumption queries."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsumptionConfig(AppConfig):
    name = "consumption"
    verbose_name = _("Water use")

    def ready(self) -> None:
        from consumption.layer_specs import RECORD_SPECS, SPECS  # noqa: PLC0415 - models ready only now
        from layers.records import record_kind_register  # noqa: PLC0415
        from layers.registry import layer_register  # noqa: PLC0415

        for spec in SPECS:
            layer_register(spec)
        for kind in RECORD_SPECS:
            record_kind_register(kind)
