"""Which area a user belongs to: the counties they may see and edit (layers/scope.py)."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class AreaMembership(models.Model):
    """A user's area: a county (its data only), a city or a province (every county in it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="area_membership",
    )
    area = models.ForeignKey(
        "layers.AdminArea",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level__in": ("province", "city", "county")},
        help_text=_("The user sees and edits the data of this area's counties only."),
    )

    class Meta:
        verbose_name = _("area membership")
        verbose_name_plural = _("area memberships")

    def __str__(self) -> str:
        return f"{self.user} → {self.area}"
