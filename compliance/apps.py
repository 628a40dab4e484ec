"""Compliance: indicators as data, evaluators, results, scorecard."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from compliance.annotations import (
            compliance_annotator,
            compliance_feature_verdicts,
            compliance_tile_status,
        )
        from compliance.signals import seed_after_migrate  # noqa: PLC0415 - models are ready only now
        from layers.extensions import (  # noqa: PLC0415
            register_feature_annotator,
            register_feature_verdicts,
            register_tile_status,
        )

        register_feature_annotator(compliance_annotator, names=("compliance",))
        register_feature_verdicts(compliance_feature_verdicts)
        register_tile_status(compliance_tile_status)
        post_migrate.connect(
            seed_after_migrate, sender=self, dispatch_uid="compliance_indicators_seed"
        )
