"""The site: pages, templates, roles."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class GisappConfig(AppConfig):
    name = "gisapp"
    verbose_name = _("Site")

    def ready(self) -> None:
        from accounts.roles import roles_sync  # noqa: PLC0415 - models are ready only now

        # After every app's migrations (and its permissions) exist; idempotent, so running it once
        # per migrated app costs a few queries and keeps the groups complete.
        post_migrate.connect(roles_sync, dispatch_uid="gisapp_roles_sync")
