"""Login throttling: failures counted in the database per user name and per address."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Official#Lianzhou2026"


def attempt(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


class LoginThrottlingTests:
    def test_five_failures_refuse_even_the_right_password(self):
        client = Client()
        for _ in range(5):
            assert attempt(client, "official", "wrong").status_code == 200
        response = attempt(client, "official", PASSWORD)
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
        assert AuditEvent.objects.filter(kind="login_refused", actor="official").count() == 1

    def test_message_is_translated(self):
        client = Client()
        client.cookies["django_language"] = "en"
        for _ in range(5):
            attempt(client, "planner", "wrong")
        response = attempt(client, "planner", "wrong")
        assert "Too many failed logins" in response.content.decode()
        client.cookies["django_language"] = "zh-hans"
        response = attempt(client, "planner", "wrong")
        assert "登录失败次数过多" in response.content.decode()

    @override_settings(LOGIN_FAILURE_LIMIT_PER_IP=8)
    def test_per_address_across_user_names(self):
        client = Client()
        for name in ("a1", "a2", "a3", "a4", "a5"):
            attempt(client, name, "wrong", ip="10.9.9.9")
        # An office behind one address: five colleagues' typos do not lock everyone out ...
        assert attempt(client, "official", PASSWORD, ip="10.9.9.9").status_code == 302
        client.post("/accounts/logout/")
        for name in ("b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8"):
            attempt(client, name, "wrong", ip="10.9.9.9")
        # ... but one machine guessing many user names is stopped.
        assert attempt(client, "official", PASSWORD, ip="10.9.9.9").status_code == 429
        # Another address is not blocked for a user name that has not failed.
        assert (
            attempt(client, "engineer", "Engineer#Lianzhou2026", ip="10.1.1.1").status_code == 302
        )

    def test_window_passes(self):
        client = Client()
        for _ in range(5):
            attempt(client, "official", "wrong")
        AuditEvent.objects.filter(kind="login_failed").update(
            created_at=AuditEvent.objects.first().created_at - timedelta(minutes=16)
        )
        assert attempt(client, "official", PASSWORD).status_code == 302

    def test_success_resets_the_count(self):
        client = Client()
        for _ in range(4):
            attempt(client, "official", "wrong")
        assert attempt(client, "official", PASSWORD).status_code == 302
        client.post("/accounts/logout/")
        for _ in range(4):
            attempt(client, "official", "wrong")
        assert attempt(client, "official", PASSWORD).status_code == 302

    @override_settings(LOGIN_FAILURE_LIMIT=2)
    def test_admin_login_is_throttled_too(self):
        client = Client()
        for _ in range(2):
            client.post("/admin/login/", {"username": "admin", "password": "x"})
        response = client.post(
            "/admin/login/", {"username": "admin", "password": "Admin#Lianzhou2026"}
        )
        assert response.status_code == 200  # the form again, not a redirect into the admin
        assert "_auth_user_id" not in client.session

    @override_settings(NUM_PROXIES=1)
    def test_address_behind_a_proxy(self):
        client = Client()
        for _ in range(5):
            client.post(
                "/accounts/login/",
                {"username": "x", "password": "y"},
                REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.7",
            )
        assert AuditEvent.objects.filter(kind="login_failed", ip="10.0.0.7").count() == 5

    def test_weak_password_refused_when_admin_creates_a_user(self):
        client = Client()
        client.force_login(get_user_model().objects.get(username="admin"))
        before = get_user_model().objects.count()
        response = client.post(
            "/admin/auth/user/add/",
            {"username": "newclerk", "password1": "12345678", "password2": "12345678"},
        )
        assert response.status_code == 200  # form shown again with errors
        assert get_user_model().objects.count() == before
        assert not get_user_model().objects.filter(username="newclerk").exists()
