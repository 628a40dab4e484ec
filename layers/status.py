"""The verdict states, one enum for every app: the layers API filters and styles by them, the
compliance app stores them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VerdictStatus(models.TextChoices):
    COMPLIANT = "compliant", _("compliant")
    NON_COMPLIANT = "non_compliant", _("non-compliant")
    NO_DATA = "no_data", _("no data")
