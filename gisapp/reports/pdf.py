"""HTML → PDF with WeasyPrint, offline: static files come from disk, nothing from the network."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher

# The document's base URL: relative and root-relative links resolve under it, then map to disk.
BASE_URL = "http://report.invalid/"


class StaticFilesFetcher(URLFetcher):
    """Serves STATIC_URL paths from the static-file finders; refuses every other URL."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        static_url = settings.STATIC_URL
        if url.startswith(BASE_URL) and parts.path.startswith(static_url):
            found = finders.find(parts.path[len(static_url) :])
            if found:
                return super().fetch(Path(found).as_uri(), headers)
        raise ValueError(f"not fetched: the PDF is made offline ({url})")


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document (print media: the page's @media print rules apply)."""
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher()).write_pdf()
