"""Accounts: roles, cached session authentication, the session store, login throttling."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # The OpenAPI schema learns the desktop clients' Basic-with-token scheme.
        from accounts import schema  # noqa: F401
