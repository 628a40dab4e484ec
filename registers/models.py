"""The registers' tables: one row per document, check, project, survey or event."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consumption.models import WaterUser
from layers.models import AdminArea, IrrigationDistrict
from layers.models.base import non_negative
from layers.scope import ScopedManager


class PolicyDocument(models.Model):
    """A document in force (文件台账): tariffs, quota adoption, incentives, recognitions."""

    class Kind(models.TextChoices):
        TARIFF_RESIDENTIAL_TIERS = "tariff_residential_tiers", _("Residential tiered water price")
        TARIFF_NONRESIDENTIAL_PROGRESSIVE = (
            "tariff_nonresidential_progressive",
            _("Non-residential over-quota / over-plan progressive price"),
        )
        TARIFF_HIGH_USE_DIFFERENTIAL = (
            "tariff_high_use_differential",
            _("Differential price for high-water-use industries"),
        )
        TARIFF_AGRICULTURAL_REFORM = (
            "tariff_agricultural_reform",
            _("Comprehensive agricultural water-price reform"),
        )
        QUOTA_ADOPTION = "quota_adoption", _("Water-use quotas adopted")
        INCENTIVE_POLICY = "incentive_policy", _("Water-saving incentive policy")
        BENCHMARK_RECOGNITION = "benchmark_recognition", _("Water-saving benchmark recognised")
        OTHER = "other", _("Other")

    area = models.ForeignKey(AdminArea, verbose_name=_("area"), on_delete=models.CASCADE)
    doc_number = models.CharField(_("document number"), max_length=80, help_text=_("文号"))
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    issuer = models.CharField(_("issued by"), max_length=120, blank=True)
    issued_on = models.DateField(_("issued on"))
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(
        _("in force until"), null=True, blank=True, help_text=_("empty: still in force")
    )

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["area", "effective_from", "doc_number"]
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        constraints = [
            models.UniqueConstraint(fields=["area", "doc_number"], name="policydoc_unique"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="policydoc_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doc_number} {self.title}"


class WaterQuota(models.Model):
    """A water-use quota (用水定额) the area applies: m³ per unit of output for a product or use,
    from the provincial standard (DB44/T 1461) with its edition and clause. `verified` is false
    until the value has been checked against the published table."""

    class Sector(models.TextChoices):
        AGRICULTURE = "agriculture", _("Agriculture")
        INDUSTRY = "industry", _("Industry")
        SERVICES = "services", _("Services and public institutions")
        DOMESTIC = "domestic", _("Domestic")

    area = models.ForeignKey(AdminArea, verbose_name=_("area"), on_delete=models.CASCADE)
    code = models.CharField(_("code"), max_length=60, unique=True)
    sector = models.CharField(_("sector"), max_length=12, choices=Sector.choices)
    item = models.CharField(_("quota item"), max_length=120, help_text=_("product or use"))
    unit = models.CharField(_("quota unit"), max_length=30, help_text=_("e.g. m³/t"))
    value = models.FloatField(_("quota"), help_text=_("m³ per unit of output, in the quota unit"))
    standard = models.CharField(
        _("standard"), max_length=80, help_text=_("e.g. DB44/T 1461.2-2021")
    )
    clause = models.CharField(_("table and row"), max_length=80, blank=True)
    verified = models.BooleanField(
        _("verified"), default=False, help_text=_("checked against the published table")
    )

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["area", "sector", "code"]
        verbose_name = _("water-use quota")
        verbose_name_plural = _("water-use quotas")
        constraints = [
            models.UniqueConstraint(fields=["area", "code"], name="waterquota_unique"),
            models.CheckConstraint(condition=Q(value__gt=0), name="waterquota_value_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.value:g} {self.unit}"

    @property
    def name(self) -> str:  # register pages name a row's parent by code and name
        return self.item


class QuotaCheck(models.Model):
    """A user's use per unit of output against its quota (WaterQuota) for a year."""

    user = models.ForeignKey(WaterUser, verbose_name=_("water user"), on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("year"))
    quota = models.ForeignKey(
        WaterQuota, verbose_name=_("quota"), on_delete=models.PROTECT, related_name="checks"
    )
    output_quantity = models.FloatField(
        _("output"), help_text=_("units of output in the year (tonnes, beds, persons …)")
    )

    objects = ScopedManager("user__county")

    class Meta:
        ordering = ["year", "user"]
        verbose_name = _("quota check")
        verbose_name_plural = _("quota checks")
        constraints = [
            models.UniqueConstraint(fields=["user", "year"], name="quotacheck_unique"),
            *non_negative("output_quantity", prefix="quotacheck"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.year} {self.quota_id}"


class ConstructionProject(models.Model):
    """A new, rebuilt or expanded project and its water-saving facilities (节水"三同时")."""

    class Kind(models.TextChoices):
        NEW = "new", _("New")
        REBUILT = "rebuilt", _("Rebuilt")
        EXPANDED = "expanded", _("Expanded")

    area = models.ForeignKey(AdminArea, verbose_name=_("area"), on_delete=models.CASCADE)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    approved_on = models.DateField(_("approved on"))
    assessment_done = models.BooleanField(
        _("water-saving assessment done"), help_text=_("节水评价")
    )
    designed_with = models.BooleanField(_("facilities designed with the project"))
    built_with = models.BooleanField(_("facilities built with the project"))
    commissioned_with = models.BooleanField(_("facilities commissioned with the project"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["area", "approved_on", "code"]
        verbose_name = _("construction project")
        verbose_name_plural = _("construction projects")
        constraints = [
            models.UniqueConstraint(fields=["area", "code"], name="project_unique"),
            models.CheckConstraint(
                condition=Q(accepted_on__isnull=True) | Q(accepted_on__gte=F("approved_on")),
                name="project_accepted_after_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def three_simultaneities(self) -> bool:
        """Assessment done and facilities designed, built and commissioned with the project."""
        return all(
            (self.assessment_done, self.designed_with, self.built_with, self.commissioned_with)
        )


class ApplianceSurvey(models.Model):
    """A sample survey of water-using fixtures, or a market inspection (节水器具)."""

    class Place(models.TextChoices):
        PUBLIC_BUILDING = "public_building", _("Public buildings")
        RESIDENTIAL = "residential", _("Homes")
        MARKET = "market", _("Shops (market inspection)")

    area = models.ForeignKey(AdminArea, verbose_name=_("area"), on_delete=models.CASCADE)
    surveyed_on = models.DateField(_("surveyed on"))
    place = models.CharField(_("place"), max_length=20, choices=Place.choices)
    sites = models.PositiveIntegerField(_("sites"), help_text=_("buildings, homes or shops"))
    fixtures_checked = models.PositiveIntegerField(_("fixtures checked"))
    fixtures_water_saving = models.PositiveIntegerField(_("water-saving fixtures"))
    banned_found = models.PositiveIntegerField(
        _("banned products found"), null=True, blank=True, help_text=_("market inspections")
    )
    action_taken = models.CharField(_("action taken"), max_length=300, blank=True)

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["area", "surveyed_on", "place"]
        verbose_name = _("appliance survey")
        verbose_name_plural = _("appliance surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "surveyed_on", "place"], name="appliancesurvey_unique"
            ),
            models.CheckConstraint(
                condition=Q(fixtures_water_saving__lte=F("fixtures_checked")),
                name="appliancesurvey_saving_le_checked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.surveyed_on} {self.place}"


class PublicityEvent(models.Model):
    """A water-saving publicity or education event (节水宣传教育)."""

    class Kind(models.TextChoices):
        CAMPAIGN = "campaign", _("Campaign (water week, World Water Day)")
        SCHOOL = "school", _("In schools")
        COMMUNITY = "community", _("In communities")
        MEDIA = "media", _("Media")
        TRAINING = "training", _("Training")

    area = models.ForeignKey(AdminArea, verbose_name=_("area"), on_delete=models.CASCADE)
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    reach_persons = models.PositiveIntegerField(_("people reached"), null=True, blank=True)

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["area", "held_on", "title"]
        verbose_name = _("publicity event")
        verbose_name_plural = _("publicity events")
        constraints = [
            models.UniqueConstraint(fields=["area", "held_on", "title"], name="publicity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


def _evidence_path(instance: Evidence, filename: str) -> str:
    """evidence/<year>/<random>.<ext>: never the uploader's file name (it may be hostile)."""
    return f"evidence/{instance.dated.year}/{uuid.uuid4().hex}.{instance.extension}"


class Evidence(models.Model):
    """A file proving a scorecard line of a year or a register row (佐证材料): PDF, image or
    spreadsheet, checked by content on upload (registers.services.evidence_add) and only ever
    served as a download."""

    class MediaType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        PNG = "image/png", "PNG"
        JPEG = "image/jpeg", "JPEG"
        XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"
        DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"

    area = models.ForeignKey(AdminArea, verbose_name=_("area"), on_delete=models.CASCADE)
    indicator = models.ForeignKey(
        "compliance.Indicator",
        verbose_name=_("scorecard line"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("register"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        limit_choices_to=Q(app_label="registers") & ~Q(model="evidence"),
    )
    object_id = models.PositiveBigIntegerField(_("register row"), null=True, blank=True)
    row = GenericForeignKey("content_type", "object_id")
    title = models.CharField(_("title"), max_length=200)
    dated = models.DateField(_("date"), help_text=_("the date the document bears"))
    file = models.FileField(_("file"), upload_to=_evidence_path, max_length=200)
    media_type = models.CharField(_("file type"), max_length=100, choices=MediaType.choices)
    size_bytes = models.PositiveBigIntegerField(_("file size"), help_text=_("bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["area", "-dated", "title"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=(Q(indicator__isnull=False) & Q(year__isnull=False))
                | (Q(content_type__isnull=False) & Q(object_id__isnull=False)),
                name="evidence_of_a_line_or_a_row",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.media_type]


EXTENSIONS = {
    Evidence.MediaType.PDF: "pdf",
    Evidence.MediaType.PNG: "png",
    Evidence.MediaType.JPEG: "jpg",
    Evidence.MediaType.XLSX: "xlsx",
    Evidence.MediaType.DOCX: "docx",
}


class WithdrawalPermit(models.Model):
    """A withdrawal permit (取水许可证) held by a self-supplied water user."""

    class Source(models.TextChoices):
        SURFACE = "surface", _("Surface water")
        GROUNDWATER = "groundwater", _("Groundwater")

    holder = models.ForeignKey(WaterUser, verbose_name=_("holder"), on_delete=models.CASCADE)
    permit_number = models.CharField(_("permit number"), max_length=60)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    intake_lon = models.FloatField(_("intake longitude"), null=True, blank=True, help_text="°")
    intake_lat = models.FloatField(_("intake latitude"), null=True, blank=True, help_text="°")
    permitted_m3 = models.FloatField(_("permitted volume"), help_text=_("m³ per year"))
    purpose = models.CharField(_("purpose"), max_length=120, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"))
    monitored = models.BooleanField(
        _("monitoring point"), help_text=_("the intake is metered and monitored")
    )

    objects = ScopedManager("holder__county")

    class Meta:
        ordering = ["holder", "valid_from"]
        verbose_name = _("withdrawal permit")
        verbose_name_plural = _("withdrawal permits")
        constraints = [
            models.UniqueConstraint(fields=["holder", "permit_number"], name="permit_unique"),
            *non_negative("permitted_m3", prefix="permit"),
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="permit_valid_period"
            ),
        ]

    def __str__(self) -> str:
        return self.permit_number


class KeyUserListing(models.Model):
    """A user on a key monitored water users' list (重点用水单位监控名录)."""

    class Tier(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    class Monitoring(models.TextChoices):
        ONLINE = "online", _("Online monitoring")
        MANUAL = "manual", _("Manual meter readings")
        NONE = "none", _("Not monitored")

    user = models.ForeignKey(WaterUser, verbose_name=_("water user"), on_delete=models.CASCADE)
    tier = models.CharField(_("list"), max_length=12, choices=Tier.choices)
    listed_on = models.DateField(_("listed on"))
    monitoring = models.CharField(_("monitoring"), max_length=10, choices=Monitoring.choices)

    objects = ScopedManager("user__county")

    class Meta:
        ordering = ["user", "tier"]
        verbose_name = _("key user listing")
        verbose_name_plural = _("key user listings")
        constraints = [
            models.UniqueConstraint(fields=["user", "tier"], name="keyuser_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.tier}"


class PlanTask(models.Model):
    """A task of the county's water-saving plan (重点任务, 保障措施) on the supervision board
    (督查): who leads it and by when. Its progress is its notes' (PlanTaskNote) latest figure."""

    class Part(models.TextChoices):
        KEY_TASK = "key_task", _("Key task")
        SAFEGUARD = "safeguard", _("Safeguard measure")

    area = models.ForeignKey(AdminArea, verbose_name=_("area"), on_delete=models.CASCADE)
    code = models.CharField(_("code"), max_length=40, unique=True)
    part = models.CharField(_("part of the plan"), max_length=12, choices=Part.choices)
    chapter = models.CharField(_("chapter"), max_length=120, help_text=_("the plan's heading"))
    title = models.CharField(_("task"), max_length=200)
    description = models.TextField(_("what the plan asks"), max_length=2000, blank=True)
    department = models.CharField(_("lead department"), max_length=120)
    partners = models.CharField(_("supporting departments"), max_length=300, blank=True)
    deadline = models.DateField(_("deadline"))

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["area", "code"]
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        constraints = [  # code is unique anyway; the import upserts on (area, code)
            models.UniqueConstraint(fields=["area", "code"], name="plantask_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def name(self) -> str:  # register pages name a row's parent by code and name
        return self.title


class PlanTaskNote(models.Model):
    """A progress report on a plan task (进展情况): the date, how far it is, what was done."""

    task = models.ForeignKey(
        PlanTask, verbose_name=_("plan task"), on_delete=models.CASCADE, related_name="notes"
    )
    noted_on = models.DateField(_("reported on"))
    percent = models.PositiveSmallIntegerField(
        _("progress"),
        validators=[MaxValueValidator(100)],
        help_text=_("%; 100 means the task is done"),
    )
    note = models.CharField(_("progress note"), max_length=1000)
    reported_by = models.CharField(_("reported by"), max_length=120, blank=True)

    objects = ScopedManager(area_path="task__area")

    class Meta:
        ordering = ["task", "noted_on"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "noted_on"],
                name="plantasknote_unique",
                violation_error_message=_("This task already has a progress report on that day."),
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="plantasknote_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.noted_on} {self.percent} %"

    def clean(self) -> None:
        """The admin, the board's form and the service all refuse a report from the future."""
        if self.noted_on and not report_date_ok(self.noted_on):
            raise ValidationError(
                {"noted_on": _("A progress report cannot be dated in the future.")},
                code="future_report",
            )


def report_date_ok(day) -> bool:
    """A progress report is dated today or earlier (the import checks rows with this too)."""
    return day <= timezone.localdate()


class ResourceLevy(models.Model):
    """A self-supplied user's water-resource fee or tax (水资源费/税) of a year: the volume
    assessed, the rate, what was collected. Due = assessed volume × rate."""

    holder = models.ForeignKey(WaterUser, verbose_name=_("payer"), on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("year"))
    assessed_m3 = models.FloatField(_("volume assessed"), help_text=_("m³"))
    rate_yuan_m3 = models.FloatField(_("rate"), help_text=_("yuan per m³"))
    collected_yuan = models.FloatField(_("collected"), help_text=_("yuan"))

    objects = ScopedManager("holder__county")

    class Meta:
        ordering = ["year", "holder"]
        verbose_name = _("water-resource levy")
        verbose_name_plural = _("water-resource levies")
        constraints = [
            models.UniqueConstraint(fields=["holder", "year"], name="resourcelevy_unique"),
            *non_negative("assessed_m3", "rate_yuan_m3", "collected_yuan", prefix="resourcelevy"),
        ]

    def __str__(self) -> str:
        return f"{self.holder_id} {self.year}"

    @property
    def due_yuan(self) -> float:
        return self.assessed_m3 * self.rate_yuan_m3


class TariffBand(models.Model):
    """A band of a water-price document (水价标准): residential tiers by household use, or the
    non-residential over-quota / over-plan surcharge bands, with a price or a multiple."""

    class Basis(models.TextChoices):
        HOUSEHOLD_M3_YEAR = "household_m3_year", _("household use per year (m³)")
        OVER_QUOTA_PERCENT = "over_quota_percent", _("use over quota (%)")
        OVER_PLAN_PERCENT = "over_plan_percent", _("use over plan (%)")
        FLAT = "flat", _("flat rate")

    area = models.ForeignKey(AdminArea, verbose_name=_("area"), on_delete=models.CASCADE)
    document = models.ForeignKey(
        PolicyDocument, verbose_name=_("document"), on_delete=models.CASCADE, related_name="bands"
    )
    band = models.PositiveSmallIntegerField(_("band"), help_text=_("1 = the first band"))
    basis = models.CharField(_("measured by"), max_length=20, choices=Basis.choices)
    lower = models.FloatField(_("from"), help_text=_("in the unit of the basis"))
    upper = models.FloatField(
        _("up to"), null=True, blank=True, help_text=_("empty: no upper bound")
    )
    price_yuan_m3 = models.FloatField(_("price"), null=True, blank=True, help_text=_("yuan per m³"))
    multiple = models.FloatField(
        _("surcharge multiple"),
        null=True,
        blank=True,
        help_text=_("times the base price added (0.5 = +50 %)"),
    )

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["area", "document", "band"]
        verbose_name = _("tariff band")
        verbose_name_plural = _("tariff bands")
        constraints = [
            models.UniqueConstraint(fields=["area", "document", "band"], name="tariffband_unique"),
            *non_negative("lower", "upper", "price_yuan_m3", "multiple", prefix="tariffband"),
            models.CheckConstraint(
                condition=Q(price_yuan_m3__isnull=False) | Q(multiple__isnull=False),
                name="tariffband_price_or_multiple",
                violation_error_message=_("A band needs a price or a surcharge multiple."),
            ),
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(upper__gt=F("lower")),
                name="tariffband_upper_above_lower",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} #{self.band}"


class CarrierRecognition(models.Model):
    """A water-saving carrier recognition (节水载体认定): a water-saving enterprise, public
    institution or residential community, with the standard it was judged by, its certificate
    and water-balance test (水平衡测试). The carrier lines count a user from the year it was
    recognised until it is revoked."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("water-saving enterprise")
        INSTITUTION = "institution", _("water-saving institution")
        COMMUNITY = "community", _("water-saving residential community")

    user = models.ForeignKey(WaterUser, verbose_name=_("water user"), on_delete=models.CASCADE)
    kind = models.CharField(_("carrier"), max_length=12, choices=Kind.choices)
    recognised_on = models.DateField(_("recognised on"))
    standard = models.CharField(
        _("standard"), max_length=120, blank=True, help_text=_("e.g. GB/T 7119-2018")
    )
    certificate = models.CharField(_("certificate number"), max_length=80, blank=True)
    balance_test_on = models.DateField(_("water-balance test on"), null=True, blank=True)
    revoked_on = models.DateField(
        _("revoked on"), null=True, blank=True, help_text=_("empty: still recognised")
    )

    objects = ScopedManager("user__county")

    class Meta:
        ordering = ["user", "recognised_on"]
        verbose_name = _("carrier recognition")
        verbose_name_plural = _("carrier recognitions")
        constraints = [
            models.UniqueConstraint(fields=["user", "recognised_on"], name="carrier_unique"),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gt=F("recognised_on")),
                name="carrier_revoked_after_recognised",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.recognised_on}"


class NonConventionalUse(models.Model):
    """A user's use of non-conventional water in a year (非常规水源利用): harvested rain,
    reclaimed water bought from a plant, brackish or mine water. The plants' own reclaimed
    water is in their monthly records."""

    class Kind(models.TextChoices):
        RAINWATER = "rainwater", _("Harvested rainwater")
        RECLAIMED = "reclaimed", _("Reclaimed water")
        BRACKISH = "brackish", _("Brackish water")
        MINE = "mine", _("Mine water")

    user = models.ForeignKey(WaterUser, verbose_name=_("water user"), on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    volume_m3 = models.FloatField(_("volume"), help_text=_("m³"))

    objects = ScopedManager("user__county")

    class Meta:
        ordering = ["year", "user", "kind"]
        verbose_name = _("non-conventional water use")
        verbose_name_plural = _("non-conventional water uses")
        constraints = [
            models.UniqueConstraint(fields=["user", "year", "kind"], name="nonconv_unique"),
            *non_negative("volume_m3", prefix="nonconv"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.year} {self.kind}"


class DistrictQuota(models.Model):
    """The water-use quota an irrigation district is held to from a year on (its crop's
    irrigation quota, 灌溉用水定额): irrigation.quota judges the district against it."""

    district = models.ForeignKey(
        IrrigationDistrict, verbose_name=_("irrigation district"), on_delete=models.CASCADE
    )
    from_year = models.PositiveSmallIntegerField(_("from year"))
    quota = models.ForeignKey(
        WaterQuota,
        verbose_name=_("quota"),
        on_delete=models.PROTECT,
        related_name="districts",
        limit_choices_to={"sector": "agriculture"},
    )

    objects = ScopedManager("district__county")

    class Meta:
        ordering = ["district", "from_year"]
        verbose_name = _("district quota")
        verbose_name_plural = _("district quotas")
        constraints = [
            models.UniqueConstraint(fields=["district", "from_year"], name="districtquota_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.from_year}"


class AgriculturalPriceReform(models.Model):
    """How far an irrigation district's comprehensive agricultural water-price reform (农业水价
    综合改革) had got by a year's end: the irrigated area where it is in place (measured to the
    field, priced, with subsidies and rewards)."""

    district = models.ForeignKey(
        IrrigationDistrict, verbose_name=_("irrigation district"), on_delete=models.CASCADE
    )
    year = models.PositiveSmallIntegerField(_("year"))
    reformed_area_mu = models.FloatField(_("area reformed"), help_text=_("亩"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedManager("district__county")

    class Meta:
        ordering = ["district", "year"]
        verbose_name = _("agricultural water-price reform")
        verbose_name_plural = _("agricultural water-price reform")
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="agreform_unique"),
            *non_negative("reformed_area_mu", prefix="agreform"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year}"


class UserAssociation(models.Model):
    """A water users' association (用水户协会) taking part in managing, metering and
    supervising water use, e.g. the farmers of an irrigation district."""

    area = models.ForeignKey(AdminArea, verbose_name=_("area"), on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=200)
    founded_on = models.DateField(_("founded on"))
    district = models.ForeignKey(
        IrrigationDistrict,
        verbose_name=_("irrigation district"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    members = models.PositiveIntegerField(_("members"), null=True, blank=True)
    registered_with = models.CharField(_("registered with"), max_length=120, blank=True)

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["area", "founded_on", "name"]
        verbose_name = _("water users' association")
        verbose_name_plural = _("water users' associations")
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="userassociation_unique"),
        ]

    def __str__(self) -> str:
        return self.name
