"""Authentication of desktop GIS clients: the API token in `Authorization: Token <key>` or, for
clients that can only send HTTP Basic (QGIS before 3.26 has no header authentication), as the
password of HTTP Basic with the user's own name.

The account password is never accepted over Basic: it would bypass the login form's
throttling and lockout (accounts/throttling.py), and a desktop client stores it for good. A
token can be revoked alone (`manage.py drf_create_token -r <user>`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import (
    BasicAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from accounts.usernames import login_key

TOKEN_LENGTH = 40  # rest_framework.authtoken's keys: 20 random bytes in hex


class TokenBasicAuthentication(BasicAuthentication):
    """HTTP Basic whose password is the user's API token (its user name must be the token's
    owner's, compared as the login form does: NFKC, case-folded). No challenge of its own:
    the Token scheme before it answers 401 with `WWW-Authenticate: Token`."""

    def authenticate_credentials(self, userid, password, request=None):
        token = None
        if len(password) == TOKEN_LENGTH:
            token = Token.objects.select_related("user").filter(key=password).first()
        if (
            token is None
            or not token.user.is_active
            or login_key(userid) != login_key(token.user.get_username())
        ):
            raise AuthenticationFailed(
                _("Invalid user name or API token (HTTP Basic takes the token as password).")
            )
        return (token.user, token)


# Token first, so that an anonymous client is told to authenticate (401 with
# `WWW-Authenticate: Token`) rather than refused (403).
DESKTOP_AUTHENTICATION = [TokenAuthentication, TokenBasicAuthentication, SessionAuthentication]
