"""History times are the county's local time (Asia/Shanghai, +08:00), as the admin and the
reports show them, not UTC."""

import pytest
from django.test import Client

from network.models import NetworkChange, PipeSegment

pytestmark = pytest.mark.django_db


def test_history_times_are_local(django_user_model):
    """A change stored at 01:30 UTC reads 09:30+08:00 in the pipe's history."""
    pipe = PipeSegment.objects.order_by("pk").first()
    change = NetworkChange.objects.create(operation="pipe_update", pipe_ids=[pipe.pk])
    NetworkChange.objects.filter(pk=change.pk).update(created_at="2026-03-01T01:30:00+00:00")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(django_user_model.objects.get(username="official"))
    history = client.get(f"/api/v1/layers/pipes/features/{pipe.pk}/history/").json()
    entry = next(c for c in history["results"] if c["id"] == change.pk)
    assert entry["created_at"] == "2026-03-01T09:30:00+08:00"
