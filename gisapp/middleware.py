"""Site-wide middleware: default language, login required everywhere but the login page,
security headers and the Content-Security-Policy."""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.utils import translation

LANGUAGE_COOKIE = "django_language"


class DefaultLanguageMiddleware:
    """Chinese unless the user switched language (cookie); Accept-Language is not followed.

    Officials share machines whose browsers are often set to English; the product's language
    is a choice made in the page, not an accident of the browser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wanted = request.COOKIES.get(LANGUAGE_COOKIE, settings.LANGUAGE_CODE)
        codes = {code for code, _name in settings.LANGUAGES}
        language = wanted if wanted in codes else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, except for REST framework views.

    API views authenticate themselves (session or token) and answer 401/403 as JSON in the
    DESIGN error shape instead of redirecting to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "cls", None) is not None and hasattr(view_func, "initkwargs"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def csp_origin(url: str) -> str:
    """The scheme://host[:port] of a tile URL template ('' when it has none); Leaflet's {s}
    subdomain placeholder becomes a wildcard."""
    parsed = urlsplit(url)
    if not parsed.scheme or not parsed.netloc:
        return ""
    return f"{parsed.scheme}://{parsed.netloc.replace('{s}', '*')}"


def content_security_policy(nonce: str) -> str:
    """The site's policy: everything from this origin, inline code only with the response's
    nonce, no plugins, no framing, forms post only here."""
    basemap = csp_origin(settings.BASEMAP_URL)
    images = " ".join(filter(None, ["'self'", "data:", "blob:", basemap]))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src {images}",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "serial",
        "bluetooth",
        "midi",
        "magnetometer",
        "gyroscope",
        "accelerometer",
        "display-capture",
    )
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy (with a per-response nonce for inline scripts and styles that
    must stay inline: django-leaflet's map set-up, the admin's geometry widget),
    Referrer-Policy, X-Content-Type-Options, Permissions-Policy and Cross-Origin-Opener-Policy.

    A view that serves a document needing another policy (the standalone folium export) sets
    its own Content-Security-Policy header; it is left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # django-leaflet (tags, admin widget) and our templates read request.csp_nonce.
        request.csp_nonce = secrets.token_urlsafe(18)
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(request.csp_nonce)
        )
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
