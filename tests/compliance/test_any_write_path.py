"""Verdicts follow every write path, not only the services: an admin form and raw SQL (as a
bureau's SQL fix or QGIS editing PostGIS would) make the stored verdict stale at once (the
database's triggers bump the data version), and the worker's pass changes it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from network.models import WaterBalance
from tests.helpers import evaluate_pending

pytestmark = pytest.mark.django_db
ZONE, YEAR = "SZ02", 2024


def _leakage(client) -> dict:
    url = f"/api/v1/compliance/results/?year={YEAR}&indicator=supply.leakage&code={ZONE}"
    body = client.get(url).json()
    return {"fresh": body["fresh"], **body["results"][0]}


@pytest.fixture
def balance() -> WaterBalance:
    return WaterBalance.objects.get(zone__code=ZONE, year=YEAR)


def test_an_admin_edit_of_a_water_balance_moves_the_leakage_verdict(client, admin_user, balance):
    """R_WL = (Q_s − Q_a) ÷ Q_s: raising the billed volume Q_a by 5 % of Q_s lowers R_WL, and
    so R_BL, by exactly 5 percentage points (R1–R4 do not depend on Q_a)."""
    client.force_login(admin_user)
    before = _leakage(client)
    assert before["fresh"] is True
    data = {
        f.name: getattr(balance, f.attname)
        for f in balance._meta.fields
        if f.editable and f.name != "id" and getattr(balance, f.attname) is not None
    }
    data["billed_authorized_m3"] = balance.billed_authorized_m3 + 0.05 * balance.system_input_m3
    url = reverse(f"admin:{balance._meta.app_label}_waterbalance_change", args=[balance.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    stale = _leakage(client)
    assert stale["fresh"] is False and stale["value"] == before["value"]
    evaluate_pending()
    after = _leakage(client)
    assert after["fresh"] is True
    assert after["value"] == pytest.approx(before["value"] - 5.0, abs=1e-6)


def test_a_raw_sql_edit_moves_the_leakage_verdict(client, official, balance):
    """The same change written in SQL behind Django's back: R_BL falls by 5 points."""
    client.force_login(official)
    before = _leakage(client)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE layers_waterbalance SET billed_authorized_m3 = billed_authorized_m3 "
            "+ 0.05 * system_input_m3 WHERE id = %s",
            [balance.pk],
        )
    assert _leakage(client)["fresh"] is False
    evaluate_pending()
    after = _leakage(client)
    assert after["fresh"] is True
    assert after["value"] == pytest.approx(before["value"] - 5.0, abs=1e-6)
