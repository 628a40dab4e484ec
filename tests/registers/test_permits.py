"""Withdrawal permits (取水许可): the rule on hand-made permits, the register's import, and a
permit import clearing a 'withdrawal without a permit' verdict through the worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from compliance.models import Result
from compliance.rules.permits import withdrawal_permit
from tests.helpers import evaluate_pending, tables_fingerprint

PARAMS = {"sectors_exempt": ["residential"], "expiring_days": 90}
HEADER = (
    "user_code,permit_number,source,intake_lon,intake_lat,permitted_m3,purpose,valid_from,"
    "valid_to,monitored"
)


def permit(number="P1", permitted=100_000.0, start="2021-01-01", end="2027-12-31", monitored=True):
    return {
        "permit_number": number,
        "permitted_m3": permitted,
        "valid_from": dt.date.fromisoformat(start),
        "valid_to": dt.date.fromisoformat(end),
        "monitored": monitored,
    }


class PermitRuleTests:
    def test_within_its_permit(self):
        """80,000 m³ withdrawn against 100,000 permitted, monitored, valid all 2025: 0.8."""
        v = withdrawal_permit(80_000, "industry", [permit()], 2025, PARAMS)
        assert v.status == "compliant" and v.value == pytest.approx(0.8)
        assert v.details["problems"] == [] and v.details["expiring"] is False

    def test_each_problem(self):
        """No permit; a permit lapsing on 2025-06-30; 120,000 over 100,000; no monitoring."""
        assert withdrawal_permit(5, "industry", [], 2025, PARAMS).details["problems"] == [
            "no_permit"
        ]
        lapsed = withdrawal_permit(5, "industry", [permit(end="2025-06-30")], 2025, PARAMS)
        assert lapsed.status == "non_compliant" and lapsed.details["problems"] == ["lapsed"]
        over = withdrawal_permit(120_000, "services", [permit()], 2025, PARAMS)
        assert over.details["problems"] == ["over_volume"] and over.value == pytest.approx(1.2)
        blind = withdrawal_permit(5, "industry", [permit(monitored=False)], 2025, PARAMS)
        assert blind.details["problems"] == ["unmonitored"]

    def test_two_permits_add_up_and_expiry_is_flagged(self):
        """Two permits of 60,000 m³ (one to 2026-02-15, 47 days after 2025's end): 100,000
        withdrawn ≤ 120,000 → compliant, flagged as expiring (≤ 90 days)."""
        permits = [permit("A", 60_000, end="2026-02-15"), permit("B", 60_000, end="2026-02-15")]
        v = withdrawal_permit(100_000, "industry", permits, 2025, PARAMS)
        assert v.status == "compliant" and v.details["permitted_m3"] == 120_000
        assert v.details["expiring"] is True and "renew" in v.explanation_en

    def test_exempt_and_idle_users_need_none(self):
        assert withdrawal_permit(500, "residential", [], 2025, PARAMS) is None
        assert withdrawal_permit(0, "industry", [], 2025, PARAMS) is None


@pytest.mark.django_db
class PermitRegisterTests:
    def test_bad_row_named_nothing_written(self, tmp_path, capsys):
        path = tmp_path / "p.csv"
        path.write_text(
            f"{HEADER}\nWU000001,X-1,surface,112.4,24.8,1000,工业,2025-01-01,2024-01-01,true\n",
            encoding="utf-8",
        )
        before = tables_fingerprint()
        with pytest.raises(CommandError, match="nothing was written"):
            call_command("import_records", "withdrawal-permits", str(path), verbosity=0)
        assert "a permit cannot end before it starts" in capsys.readouterr().err
        assert tables_fingerprint() == before

    def test_a_new_permit_clears_the_verdict(self, tmp_path):
        """A demo user that withdraws without a permit in 2025 gets one: after the worker its
        2025 verdict is compliant (the register's data version re-evaluates the user family)."""
        failing = Result.objects.filter(
            indicator__code="user.withdrawal_permit", year=2025, status="non_compliant",
            details__problems=["no_permit"],
        ).first()  # fmt: skip
        assert failing is not None
        withdrawn = failing.details["withdrawal_m3"]
        path = tmp_path / "p.csv"
        path.write_text(
            f"{HEADER}\n{failing.feature_code},NEW-1,groundwater,,,{withdrawn * 2:.0f},,"
            "2025-01-01,2029-12-31,true\n",
            encoding="utf-8",
        )
        call_command("import_records", "withdrawal-permits", str(path), verbosity=0)
        assert ("441882", 2025) in evaluate_pending()
        now = Result.objects.get(
            indicator__code="user.withdrawal_permit", year=2025, feature_code=failing.feature_code
        )
        assert now.status == "compliant" and now.value == pytest.approx(0.5, abs=1e-4)
