"""The audit log reads in the reader's language: the admin's list shows each event as a Chinese
sentence built from its kind and details (the stored summary stays the log's English)."""

import pytest
from django.test import Client
from django.utils import translation

from audit.models import AuditEvent
from audit.summaries import event_text

pytestmark = pytest.mark.django_db


def test_the_admin_list_reads_in_chinese(django_user_model):
    admin = django_user_model.objects.get(username="admin")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    AuditEvent.objects.create(
        kind="import",
        actor="admin",
        object_type="layer",
        object_id="sewage-plants",
        summary="sewage-plants: 3 rows; created 1, updated 2, unchanged 0",
        details={"file": "plants.gpkg", "rows": 3, "created": 1, "updated": 2, "dry_run": False},
    )
    html = client.get("/admin/audit/auditevent/").content.decode()
    assert "从 plants.gpkg 导入 sewage-plants：3 行，新增 1，更新 2" in html
    assert "created 1, updated 2" not in html


def test_every_kind_has_a_sentence():
    """Logins, failures and refusals, a refused import and a network edit, in Chinese."""
    with translation.override("zh-hans"):
        assert event_text(AuditEvent(kind="login", actor="a")) == "登录"
        assert (
            event_text(AuditEvent(kind="login_failed", actor="engineer")) == "以 engineer 登录失败"
        )
        refused = AuditEvent(
            kind="import",
            outcome="refused",
            object_id="pipes",
            details={"file": "p.gpkg", "error_count": 2},
        )
        assert event_text(refused) == "从 p.gpkg 导入 pipes 被拒绝：2 处问题"
        split = AuditEvent(
            kind="data_change",
            object_type="network.networkchange",
            details={"operation": "pipe_split", "pipe_ids": [1, 2], "node_ids": [3]},
        )
        assert event_text(split) == "管网：打断管段（2 条管段，1 个节点）"
