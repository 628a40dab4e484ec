"""Each feature's overall status, kept by the database from the stored verdicts
(compliance/feature_status.py): the rule, on hand-made verdicts, and exactness after writes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from compliance.models import FeatureStatus, Indicator, Result
from layers.models import AdminArea

pytestmark = pytest.mark.django_db

LAYER = "test-layer"


def recomputed() -> set[tuple]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT r.layer, r.year, r.feature_id, "
            " CASE WHEN bool_or(r.status = 'non_compliant' AND i.kind <> 'bonus') "
            "  THEN 'non_compliant' WHEN bool_or(r.status = 'compliant') THEN 'compliant' "
            "  ELSE 'no_data' END "
            "FROM compliance_result r JOIN compliance_indicator i ON i.id = r.indicator_id "
            "GROUP BY 1, 2, 3"
        )
        return set(cur.fetchall())


def kept() -> set[tuple]:
    return set(FeatureStatus.objects.values_list("layer", "year", "feature_id", "status"))


def verdict(indicator: Indicator, feature_id: int, status: str) -> Result:
    return Result.objects.create(
        indicator=indicator,
        layer=LAYER,
        feature_id=feature_id,
        feature_code=f"F{feature_id}",
        area=AdminArea.objects.filter(level="county").first(),
        year=2025,
        status=status,
        explanation_zh="",
        explanation_en="",
        evaluated_at=timezone.now(),
    )


def status_of(feature_id: int) -> str | None:
    found = FeatureStatus.objects.filter(layer=LAYER, year=2025, feature_id=feature_id).first()
    return found.status if found else None


class FeatureStatusTests:
    def test_the_demo_statuses_equal_the_verdicts(self):
        assert kept() == recomputed() and kept()

    def test_the_rule_on_hand_made_verdicts(self):
        """Feature 1: a feature indicator fails → non_compliant. Feature 2: only a bonus item
        fails, another passes → compliant. Feature 3: no data only → no_data. Then feature 1's
        failure is corrected (compliant), and feature 2's verdicts deleted (no status)."""
        plain = Indicator.objects.exclude(kind=Indicator.Kind.BONUS).first()
        bonus = Indicator.objects.filter(kind=Indicator.Kind.BONUS).first()
        failing = verdict(plain, 1, "non_compliant")
        verdict(bonus, 2, "non_compliant")
        verdict(plain, 2, "compliant")
        verdict(plain, 3, "no_data")
        assert (status_of(1), status_of(2), status_of(3)) == (
            "non_compliant",
            "compliant",
            "no_data",
        )
        Result.objects.filter(pk=failing.pk).update(status="compliant")
        assert status_of(1) == "compliant"
        Result.objects.filter(layer=LAYER, feature_id=2).delete()
        assert status_of(2) is None
        assert kept() == recomputed()
