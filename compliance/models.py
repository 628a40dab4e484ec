"""Compliance data: indicators (thresholds as data, with history), results, evaluation runs."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from layers.scope import ScopedManager
from layers.status import VerdictStatus


class Indicator(models.Model):
    """One indicator: its threshold and every other number of its rule, its source and clause.

    Seeded from compliance/indicators.json; admins edit the values, each change is recorded.
    """

    class Family(models.TextChoices):
        WFZ = "wfz", _("water-function zones")
        SUPPLY = "supply", _("supply networks")
        SEWAGE = "sewage", _("sewage plants")
        TOWN = "town", _("towns")
        IRRIGATION = "irrigation", _("irrigation districts")
        USER = "user", _("water users")
        COUNTY = "county", _("county scorecard")

    class Kind(models.TextChoices):
        FEATURE = "feature", _("feature indicator")
        SCORECARD = "scorecard", _("scorecard line")
        PREREQUISITE = "prerequisite", _("prerequisite (vetoes the pass)")
        BONUS = "bonus", _("bonus item")

    class Assessment(models.TextChoices):
        NONE = "", _("none (a feature rule)")
        STANDARD_2017 = "standard_2017", _("county water-saving society standard (2017)")
        STRICTEST = "strictest", _("strictest water-resources management assessment")
        COUNTY_PLAN = "county_plan", _("the county's implementation plan")

    class Comparator(models.TextChoices):
        LTE = "lte", "≤"
        GTE = "gte", "≥"
        EQ = "eq", "="
        NONE = "none", "—"

    code = models.CharField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    family = models.CharField(_("family"), max_length=12, choices=Family.choices)
    layer = models.CharField(_("layer"), max_length=40)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    comparator = models.CharField(_("comparator"), max_length=4, choices=Comparator.choices)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    params = models.JSONField(
        _("rule parameters"),
        default=dict,
        blank=True,
        help_text=_("Class limits, bands, tiers, quotas of the rule."),
    )
    points = models.FloatField(
        _("points"), default=0, help_text=_("Maximum points on the county scorecard.")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    assessment = models.CharField(
        _("assessment"),
        max_length=16,
        choices=Assessment.choices,
        blank=True,
        default="",
        help_text=_("Only lines of the 2017 standard count towards the pass total."),
    )
    category = models.CharField(
        _("category"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("The standard's category of the line (compliance/indicators.json)."),
    )
    needs_zh = models.TextField(_("data needed (Chinese)"), blank=True)
    needs_en = models.TextField(_("data needed (English)"), blank=True)
    source = models.CharField(_("source document"), max_length=200)
    clause = models.CharField(_("clause"), max_length=200, blank=True)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Checked against the official text; unverified values are defaults."),
    )
    notes = models.TextField(_("notes"), blank=True)
    seed_version = models.PositiveIntegerField(_("seed version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["family", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def needs(self) -> str:
        """What the county must supply to judge the line, in the active language."""
        return self.needs_en if (get_language() or "").startswith("en") else self.needs_zh

    def snapshot(self) -> dict:
        """The editable values, for the change history."""
        return {
            f: getattr(self, f)
            for f in (
                "threshold",
                "params",
                "points",
                "comparator",
                "unit",
                "source",
                "clause",
                "verified",
                "kind",
            )
        }


class IndicatorChange(models.Model):
    """A recorded edit of an indicator: who, when, the values before and after."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))

    class Meta:
        ordering = ["-changed_at"]
        verbose_name = _("indicator change")
        verbose_name_plural = _("indicator changes")

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.changed_at:%Y-%m-%d %H:%M}"


class Result(models.Model):
    """The verdict of one indicator for one feature (or area) and year."""

    Status = VerdictStatus  # one enum with the layers' API and styles

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="results"
    )
    layer = models.CharField(_("layer"), max_length=40)
    feature_id = models.BigIntegerField(_("feature id"))
    feature_code = models.CharField(_("feature code"), max_length=32)
    area = models.ForeignKey(
        "layers.AdminArea",
        verbose_name=_("evaluated area"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"), null=True, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices)
    explanation_zh = models.TextField(_("explanation (Chinese)"))
    explanation_en = models.TextField(_("explanation (English)"))
    details = models.JSONField(_("details"), default=dict)
    evaluated_at = models.DateTimeField(_("evaluated at"))

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["indicator__code", "feature_code", "year"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        permissions = [
            ("run_scenario", _("Can run what-if scenarios")),
            ("evaluate", _("Can start an evaluation")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "layer", "feature_id", "year"], name="result_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["layer", "feature_id", "year"], name="result_feature_idx"),
            models.Index(fields=["year", "status"], name="result_year_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.feature_code} {self.year}: {self.status}"

    @property
    def explanation(self) -> str:
        return (
            self.explanation_en if (get_language() or "").startswith("en") else self.explanation_zh
        )


class EvaluationRun(models.Model):
    """When a rule family was last evaluated for an area and year, and on which data versions.

    Results are stale when any data version they were computed from has moved since.
    """

    family = models.CharField(_("family"), max_length=12, choices=Indicator.Family.choices)
    area = models.ForeignKey(
        "layers.AdminArea", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    versions = models.JSONField(_("data versions"), default=dict)
    evaluated_at = models.DateTimeField(_("evaluated at"))
    duration_ms = models.PositiveIntegerField(_("duration"), default=0, help_text=_("ms"))

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["-evaluated_at"]
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")
        constraints = [
            models.UniqueConstraint(fields=["family", "area", "year"], name="evalrun_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.area.code} {self.year}"


class FeatureStatus(models.Model):
    """A feature's overall status in a year, kept by database triggers on the results
    (compliance/feature_status.py); never written by the application."""

    layer = models.CharField(_("layer"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    feature_id = models.BigIntegerField(_("feature id"))
    status = models.CharField(_("status"), max_length=14, choices=VerdictStatus.choices)

    class Meta:
        verbose_name = _("feature status")
        verbose_name_plural = _("feature statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "year", "feature_id"], name="featurestatus_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.layer} {self.feature_id} {self.year}: {self.status}"
