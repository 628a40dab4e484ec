"""The one form of a user name that login throttling counts under."""

from __future__ import annotations

import unicodedata

NAME_MAX = 150  # AbstractUser.username's and AuditEvent.actor's length


def login_key(username: str) -> str:
    """A typed user name as the throttle counts it: stripped, NFKC-normalised (as Django's
    AbstractBaseUser.normalize_username and the login form's UsernameField do before
    authenticating, so ｅｎｇｉｎｅｅｒ is engineer) and case-folded (ENGINEER, Engineer too)."""
    return unicodedata.normalize("NFKC", username.strip()).casefold()[:NAME_MAX]
