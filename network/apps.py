"""The water-supply network: pipes and nodes, topology, editing, history, leaks, checks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Supply network")

    def ready(self) -> None:
        from layers.records import record_kind_register  # noqa: PLC0415
        from layers.registry import layer_register  # noqa: PLC0415 - models ready only now
        from network.layer_specs import RECORD_SPECS, SPECS  # noqa: PLC0415

        for spec in SPECS:
            layer_register(spec)
        for kind in RECORD_SPECS:
            record_kind_register(kind)
