"""Writes of the compliance app: seeding and editing indicators (with history), storing results."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from compliance.models import EvaluationRun, Indicator, IndicatorChange, Result
from compliance.seed import FIELDS, STRUCTURE, seed_data

INDICATORS_KEY = "indicators"  # the data version every verdict depends on


def _seed_value(item: dict, f: str):
    return item.get(
        f, "" if f in ("notes", "assessment", "category", "needs_zh", "needs_en") else None
    )


@transaction.atomic
def indicators_seed() -> int:
    """Bring the indicators to the seed file's version; never overwrite a user's edit.

    New codes are created. An indicator seeded from an older version is upgraded: wholly when
    nobody has edited it, else only its place in the scorecard (STRUCTURE), keeping the edited
    values. Codes the seed no longer has are rules the engine no longer computes: removed with
    their results. Returns how many were created. Runs after every migrate.
    """
    version, items = seed_data()
    existing = {i.code: i for i in Indicator.objects.all()}
    new = [
        Indicator(
            code=item["code"], seed_version=version, **{f: _seed_value(item, f) for f in FIELDS}
        )
        for item in items
        if item["code"] not in existing
    ]
    Indicator.objects.bulk_create(new)
    edited = set(IndicatorChange.objects.values_list("indicator__code", flat=True))
    for item in items:
        old = existing.get(item["code"])
        if old is None or old.seed_version >= version:
            continue
        for f in FIELDS if old.code not in edited else STRUCTURE:
            setattr(old, f, _seed_value(item, f))
        old.seed_version = version
        old.save()
    retired = set(existing) - {item["code"] for item in items}
    if retired:
        Indicator.objects.filter(code__in=retired).delete()
    return len(new)


@transaction.atomic
def indicator_update(*, indicator: Indicator, changes: dict, user=None) -> Indicator:
    """Change an indicator's values, recording who changed what; verdicts become stale.

    changes: field -> new value (threshold, params, points, ...). full_clean() validates.
    """
    before = Indicator.objects.get(pk=indicator.pk).snapshot()
    for field, value in changes.items():
        setattr(indicator, field, value)
    indicator.full_clean()
    indicator.save()
    after = indicator.snapshot()
    if after != before:
        IndicatorChange.objects.create(
            indicator=indicator, changed_by=user, before=before, after=after
        )
    return indicator


def results_store(
    *,
    family_codes: list[str],
    area_id: int,
    year: int,
    rows: list[Result],
    family: str,
    versions: dict,
    duration_ms: int,
) -> None:
    """Replace the results of a family's indicators for an area and year, and note the run."""
    now = timezone.now()
    with transaction.atomic():
        Result.objects.filter(indicator__code__in=family_codes, area_id=area_id, year=year).delete()
        for row in rows:
            row.evaluated_at = now
        Result.objects.bulk_create(rows, batch_size=2000)
        EvaluationRun.objects.update_or_create(
            family=family,
            area_id=area_id,
            year=year,
            defaults={"versions": versions, "evaluated_at": now, "duration_ms": duration_ms},
        )
