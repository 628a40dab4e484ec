"""The one rule for free text a user writes: no markup, no script URLs (issue 9, part 2).

Every write path calls `text_problem` / `text_checked`: the network API (pipe, node, leak and
crossing texts), layer and record imports (each text cell), raster imports (titles, unit,
source) and the admin forms. Pages escape what they show as well; this rule keeps markup from
being stored at all, so exports, reports and other readers of the data never meet it.

Refused:
- `<` directly followed by an ASCII letter, `/`, `!` or `?`: what an HTML parser reads as a
  start or end tag, a comment or doctype, or a processing instruction (`<b>`, `</p>`,
  `<!--`, `<?xml`).
- a `javascript:` or `vbscript:` URL scheme anywhere, in any case, also with tabs or line
  breaks between its letters (a browser's URL parser drops those: "java\tscript:").
Allowed: everything else, such as "DN<300", "a < b", "<=", "≤ 0.5 MPa", "<中文>", full-width
"＜script＞" (no parser reads it as a tag), "&lt;b&gt;" (shown as typed: pages escape `&`).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

MARKUP = "markup"
SCRIPT_URL = "script_url"

_TAG = re.compile(r"<[A-Za-z/!?]")
_SCRIPT_SCHEME = re.compile(r"(?:java|vb)script:", re.IGNORECASE)
# The WHATWG URL parser removes every tab and line break before reading the scheme.
_URL_IGNORED = str.maketrans("", "", "\t\n\r")


def text_problem(text: str) -> str | None:
    """MARKUP, SCRIPT_URL or None (the text is fine). Non-strings are not judged here."""
    if not isinstance(text, str):
        return None
    if _TAG.search(text):
        return MARKUP
    if ":" in text and _SCRIPT_SCHEME.search(text.translate(_URL_IGNORED)):
        return SCRIPT_URL
    return None


def text_problem_message(problem: str) -> str:
    """The translated reason of a text problem, for an API error, a row error or a form."""
    if problem == SCRIPT_URL:
        return _("Script links (javascript:) are not allowed in text.")
    return _(
        "Markup is not allowed in text: remove '<' directly followed by a letter, '/', '!' or "
        "'?' (write 'a < b' with a space)."
    )


class TextRefused(ValueError):
    """A text broke the rule; `problem` is MARKUP or SCRIPT_URL, the message is translated.

    A ValueError, so import parsers that report ValueErrors as row errors report it too.
    """

    def __init__(self, problem: str):
        self.problem = problem
        super().__init__(text_problem_message(problem))


def text_checked(text: str) -> str:
    """The text unchanged, or TextRefused when it holds markup or a script URL."""
    problem = text_problem(text)
    if problem is not None:
        raise TextRefused(problem)
    return text
