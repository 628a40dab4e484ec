"""Template context processors of the site."""


def csp_nonce(request) -> dict:
    """{{ csp_nonce }}: this response's Content-Security-Policy nonce, for the few inline
    <script>/<style> tags that must stay inline (set by SecurityHeadersMiddleware)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
