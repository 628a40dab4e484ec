"""Login forms that refuse attempts while a user name or address is throttled."""

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.throttling import login_throttled
from accounts.usernames import login_key
from audit.models import AuditEvent
from audit.services import audit_record

THROTTLED_MESSAGE = _(
    "Too many failed logins for this user name or from this computer. "
    "Please wait %(minutes)d minutes and try again."
)


class ThrottledLoginMixin:
    """Checks the throttle before the password is even looked at."""

    throttled = False

    def clean(self):
        username = (self.data.get("username") or "").strip()
        if login_throttled(username, self.request):
            self.throttled = True
            key = login_key(username)
            audit_record(
                kind=AuditEvent.Kind.LOGIN_REFUSED,
                request=self.request,
                actor=key,
                details={"typed": username[:150]} if username != key else None,
                outcome=AuditEvent.Outcome.REFUSED,
                summary="login refused: too many failed attempts",
            )
            raise forms.ValidationError(
                THROTTLED_MESSAGE,
                code="throttled",
                params={"minutes": max(1, settings.LOGIN_FAILURE_WINDOW_S // 60)},
            )
        return super().clean()


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The site's login form."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin site's login form."""
