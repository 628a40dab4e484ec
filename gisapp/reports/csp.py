"""The Content-Security-Policy of the standalone folium export (/reports/map.html).

The export is one self-contained document (Leaflet, its CSS and the map's set-up inlined) meant
to open from disk with no network, so it cannot use the site's nonce policy. Served by the
site it gets its own policy: its inline scripts are allowed by their SHA-256 hashes (nothing
injected later runs); styles inline (Leaflet and folium write style attributes into HTML they
generate); images only inline data or the basemap; nothing may be fetched, framed or posted;
and `sandbox allow-scripts` gives it an opaque origin, so even its own scripts cannot read the
site's cookies or call the API as the user.
"""

from __future__ import annotations

import base64
import hashlib
import re

from django.conf import settings

from gisapp.middleware import csp_origin

# An inline script: no src attribute; its exact text between the tags is what browsers hash.
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def script_hashes(html: str) -> list[str]:
    """CSP source expressions ('sha256-...') of every inline script of the document."""
    hashes = []
    for body in _INLINE_SCRIPT.findall(html):
        digest = hashlib.sha256(body.encode("utf-8")).digest()
        source = f"'sha256-{base64.b64encode(digest).decode()}'"
        if source not in hashes:
            hashes.append(source)
    return hashes


def standalone_map_csp(html: str) -> str:
    """The policy header for the exported map document."""
    images = " ".join(filter(None, ["data:", "blob:", csp_origin(settings.BASEMAP_URL)]))
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(script_hashes(html) or ["'none'"]),
            "style-src 'unsafe-inline'",
            f"img-src {images}",
            "font-src data:",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "sandbox allow-scripts",
        ]
    )
