"""Management registers (台账): policy documents, quota checks, 三同时 projects, appliance
surveys, publicity events — the evidence behind the scorecard's management lines."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistersConfig(AppConfig):
    name = "registers"
    verbose_name = _("Registers")

    def ready(self) -> None:
        from layers.records import record_kind_register  # noqa: PLC0415 - models ready only now
        from registers.layer_specs import RECORD_SPECS, TASK_SPECS  # noqa: PLC0415

        for kind in (*RECORD_SPECS, *TASK_SPECS):
            record_kind_register(kind)
