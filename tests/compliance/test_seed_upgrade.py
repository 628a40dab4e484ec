"""Upgrading the indicator seed keeps a bureau's edits and moves lines to their new place."""

from __future__ import annotations

import pytest

from compliance.models import Indicator, IndicatorChange
from compliance.seed import seed_data
from compliance.services import indicator_update, indicators_seed

pytestmark = pytest.mark.django_db


def test_an_older_seed_is_upgraded_without_losing_edits():
    """Three indicators as an older seed left them: one edited by the bureau (threshold 0.3),
    one untouched, one the engine no longer computes. After the upgrade: the edited one keeps
    0.3 but takes its new kind and assessment; the untouched one equals the seed; the retired
    one is gone."""
    version, items = seed_data()
    by_code = {i["code"]: i for i in items}
    edited = Indicator.objects.get(code="county.carrier_enterprise_share")
    untouched = Indicator.objects.get(code="county.planned_use_coverage")
    Indicator.objects.filter(pk__in=[edited.pk, untouched.pk]).update(
        seed_version=version - 1, kind="bonus", assessment="", category="", points=99
    )
    edited.refresh_from_db()
    indicator_update(indicator=edited, changes={"threshold": 0.3})
    assert IndicatorChange.objects.filter(indicator=edited).exists()
    retired = Indicator.objects.create(
        code="county.use_per_10k_gdp",
        name_zh="旧",
        name_en="old",
        family="county",
        layer="county",
        comparator="lte",
        kind="scorecard",
        source="old",
        seed_version=1,
    )

    indicators_seed()

    edited.refresh_from_db()
    assert edited.threshold == 0.3 and edited.points == 99  # the bureau's values stay
    assert (edited.kind, edited.assessment, edited.category) == (
        "scorecard",
        "standard_2017",
        "carriers",
    )
    untouched.refresh_from_db()
    seed = by_code["county.planned_use_coverage"]
    assert (untouched.points, untouched.kind, untouched.assessment) == (
        seed["points"],
        seed["kind"],
        seed["assessment"],
    )
    assert untouched.seed_version == version
    assert not Indicator.objects.filter(pk=retired.pk).exists()
