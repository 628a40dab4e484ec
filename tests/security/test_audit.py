"""Audit log: logins, logouts, failed logins, imports, network and admin changes; admin-only."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from audit.models import AuditEvent
from compliance.models import Indicator
from network.models import PipeSegment

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


class AuditLogTests:
    def test_login_logout_and_failure_recorded(self):
        client = Client()
        client.post("/accounts/login/", {"username": "official", "password": "bad"})
        client.post(
            "/accounts/login/", {"username": "official", "password": "Official#Lianzhou2026"}
        )
        client.post("/accounts/logout/")
        kinds = list(
            AuditEvent.objects.filter(actor="official").order_by("id").values_list("kind", "ip")
        )
        assert kinds == [
            ("login_failed", "127.0.0.1"),
            ("login", "127.0.0.1"),
            ("logout", "127.0.0.1"),
        ]

    def test_refused_import_recorded_with_file_and_outcome(self, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_text("nonsense,header\n1,2\n", encoding="utf-8")
        with pytest.raises(CommandError):
            call_command("import_records", "consumption", str(path), verbosity=0)
        event = AuditEvent.objects.get(kind="import")
        assert (event.actor, event.outcome, event.object_id) == ("system", "refused", "consumption")
        assert event.details["file"] == str(path)

    def test_import_recorded_with_rows(self, tmp_path):
        path = tmp_path / "stats.csv"
        path.write_text(
            "area_code,year,population,gdp_10k_yuan,industrial_value_added_10k_yuan,"
            "water_use_cap_m3\n441882,2031,400000,1000000,300000,200000000\n",
            encoding="utf-8",
        )
        call_command("import_records", "area-stats", str(path), verbosity=0)
        event = AuditEvent.objects.get(kind="import")
        assert event.outcome == "ok"
        assert event.details["rows"] == 1

    def test_network_edit_recorded(self):
        pipe = PipeSegment.objects.order_by("pk").first()
        client = signed_in("engineer")
        response = client.patch(
            f"/api/v1/layers/pipes/features/{pipe.pk}/",
            {"type": "Feature", "properties": {"version": pipe.version, "material": "PE"}},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        event = AuditEvent.objects.get(kind="data_change")
        assert event.actor == "engineer"
        assert pipe.pk in event.details["pipe_ids"]

    def test_admin_change_recorded(self):
        indicator = Indicator.objects.order_by("pk").first()
        client = signed_in("admin")
        client.post(f"/admin/compliance/indicator/{indicator.pk}/delete/", {"post": "yes"})
        assert AuditEvent.objects.filter(kind="admin_change", actor="admin").exists()

    def test_only_admins_read_it(self):
        signed_in("official").post(
            "/accounts/login/", {"username": "nobody", "password": "x"}
        )  # one event to list
        assert signed_in("admin").get("/admin/audit/auditevent/").status_code == 200
        assert signed_in("engineer").get("/admin/audit/auditevent/").status_code == 403
        # Read-only even for admins.
        event = AuditEvent.objects.first()
        response = signed_in("admin").post(
            f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}
        )
        assert response.status_code == 403
        assert AuditEvent.objects.filter(pk=event.pk).exists()
