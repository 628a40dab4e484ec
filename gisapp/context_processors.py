"""Template context processors of the site."""

from django.utils.functional import SimpleLazyObject

from accounts import scope


def csp_nonce(request) -> dict:
    """{{ csp_nonce }}: this response's Content-Security-Policy nonce, for the few inline
    <script>/<style> tags that must stay inline (set by SecurityHeadersMiddleware)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


def site_title(request) -> dict:
    """{{ site_title }}: the site's title for this reader ("阳山县节水地理信息系统":
    accounts.scope.site_title), worked out once, when a template first prints it. Pages rendered
    without the request (the 500 and the database-down 503) have none and print a generic
    title."""
    return {"site_title": SimpleLazyObject(lambda: scope.site_title(request))}
