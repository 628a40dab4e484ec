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


ENGINEER_PASSWORD = "Engineer#Lianzhou2026"
ADMIN_PASSWORD = "Admin#Lianzhou2026"
# The same account as Django authenticates it: NFKC turns full-width letters into ASCII ones;
# the throttle also folds case, so no spelling of a name starts a fresh count.
ENGINEER_SPELLINGS = ("ｅｎｇｉｎｅｅｒ", "ENGINEER", "Engineer", "ｅngineer", "engineer ")


class NormalisedNameThrottlingTests:
    def test_full_width_and_case_variants_share_one_count(self):
        client = Client()
        for name in ENGINEER_SPELLINGS:
            assert attempt(client, name, "wrong").status_code == 200
        # Six spellings, one account: the right password in either spelling is refused now.
        assert attempt(client, "ｅｎｇｉｎｅｅｒ", ENGINEER_PASSWORD).status_code == 429
        assert attempt(client, "engineer", ENGINEER_PASSWORD, ip="10.7.7.7").status_code == 429
        assert "_auth_user_id" not in client.session

    def test_full_width_name_logs_in_as_the_plain_one(self):
        # Why the throttle must normalise: Django itself does, before authenticating.
        client = Client()
        assert attempt(client, "ｅｎｇｉｎｅｅｒ", ENGINEER_PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(
            get_user_model().objects.get(username="engineer").pk
        )

    def test_audit_rows_carry_the_normalised_name(self):
        client = Client()
        for name in ENGINEER_SPELLINGS:
            attempt(client, name, "wrong")
        attempt(client, "ＥＮＧＩＮＥＥＲ", "wrong")
        failed = AuditEvent.objects.filter(kind="login_failed")
        assert sorted(set(failed.values_list("actor", flat=True))) == ["engineer"]
        assert failed.count() == 5
        refused = AuditEvent.objects.get(kind="login_refused")
        assert refused.actor == "engineer"
        assert refused.details["typed"] == "ＥＮＧＩＮＥＥＲ"  # what was typed is kept too

    @override_settings(LOGIN_FAILURE_LIMIT=100, LOGIN_FAILURE_LIMIT_PER_IP=6)
    def test_another_accounts_success_does_not_reset_the_address(self):
        # The insider's trick: guesses against a colleague, a login to their own account in
        # between. Only the colleague's name is guessed; each own login resets nothing of it.
        client = Client()
        for guesses in (3, 2):
            for _ in range(guesses):
                assert attempt(client, "engineer", "guess").status_code == 200
            assert attempt(client, "official", PASSWORD).status_code == 302
            client.post("/accounts/logout/")
        assert attempt(client, "engineer", "guess").status_code == 200  # the sixth
        assert attempt(client, "engineer", ENGINEER_PASSWORD).status_code == 429
        assert "_auth_user_id" not in client.session
        # Another address is not affected.
        assert attempt(client, "engineer", ENGINEER_PASSWORD, ip="10.2.2.2").status_code == 302

    @override_settings(LOGIN_FAILURE_LIMIT_PER_IP=6)
    def test_a_colleagues_typo_then_success_does_not_count_for_the_office(self):
        # One office behind one address: each person's typos end with their own login, which
        # clears their own failures (and only theirs).
        client = Client()
        for name, password in (
            ("official", PASSWORD),
            ("ENGINEER", ENGINEER_PASSWORD),
            ("planner", "Planner#Lianzhou2026"),
        ):
            for _ in range(2):
                attempt(client, name, "typo")
            assert attempt(client, name.lower(), password).status_code == 302
            client.post("/accounts/logout/")
        assert attempt(client, "admin", ADMIN_PASSWORD).status_code == 302

    @override_settings(LOGIN_FAILURE_LIMIT=3)
    def test_a_success_resets_only_its_own_name(self):
        client = Client()
        for _ in range(2):
            attempt(client, "engineer", "guess")
        assert attempt(client, "official", PASSWORD).status_code == 302  # not engineer's
        client.post("/accounts/logout/")
        attempt(client, "Engineer", "guess")
        assert attempt(client, "engineer", ENGINEER_PASSWORD).status_code == 429


class AdminLoginThrottlingTests:
    @override_settings(LOGIN_FAILURE_LIMIT=2)
    def test_admin_login_normalises_the_name(self):
        client = Client()
        for name in ("ａｄｍｉｎ", "ADMIN"):
            client.post(
                "/admin/login/", {"username": name, "password": "x"}, REMOTE_ADDR="10.3.3.3"
            )
        response = client.post(
            "/admin/login/",
            {"username": "admin", "password": ADMIN_PASSWORD},
            REMOTE_ADDR="10.3.3.3",
        )
        assert response.status_code == 200  # the form again, not a redirect into the admin
        assert "_auth_user_id" not in client.session
        assert AuditEvent.objects.filter(kind="login_refused", actor="admin").count() == 1

    @override_settings(LOGIN_FAILURE_LIMIT=100, LOGIN_FAILURE_LIMIT_PER_IP=4)
    def test_admin_login_address_not_reset_by_another_account(self):
        client = Client()
        for _ in range(2):
            client.post(
                "/admin/login/", {"username": "admin", "password": "g"}, REMOTE_ADDR="10.4.4.4"
            )
        assert attempt(client, "engineer", ENGINEER_PASSWORD, ip="10.4.4.4").status_code == 302
        client.post("/accounts/logout/")
        for _ in range(2):
            client.post(
                "/admin/login/", {"username": "Admin", "password": "g"}, REMOTE_ADDR="10.4.4.4"
            )
        response = client.post(
            "/admin/login/",
            {"username": "admin", "password": ADMIN_PASSWORD},
            REMOTE_ADDR="10.4.4.4",
        )
        assert response.status_code == 200 and "_auth_user_id" not in client.session
