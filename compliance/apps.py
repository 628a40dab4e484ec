"""Compliance: indicators as data, evaluators, results, scorecard."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from layers.extensions import register_feature_annotator  # noqa: PLC0415

        from .annotations import compliance_annotator  # noqa: PLC0415 - needs ready models
        from .signals import seed_after_migrate  # noqa: PLC0415 - models are ready only now

        register_feature_annotator(compliance_annotator)
        post_migrate.connect(
            seed_after_migrate, sender=self, dispatch_uid="compliance_indicators_seed"
        )
