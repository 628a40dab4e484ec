"""The OpenAPI description of the desktop clients' sign-in (drf-spectacular)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenBasicScheme(OpenApiAuthenticationExtension):
    """HTTP Basic with the API token as password (accounts/desktop_auth.py)."""

    target_class = "accounts.desktop_auth.TokenBasicAuthentication"
    name = "tokenBasic"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "User name and API token (as password), for desktop GIS clients.",
        }
