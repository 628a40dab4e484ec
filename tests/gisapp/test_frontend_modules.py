"""The pages' own scripts (gisapp/static/gisapp/*.js) as the issue "One layer, one place" left
them: ES modules loaded as such, importing one another without cycles, one API client, and
nothing set on window but the browser tests' hook. Read from the files; no browser needed
(tests/e2e/test_modules.py checks the same in Chromium)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "gisapp" / "static" / "gisapp"
TEMPLATES = ROOT / "gisapp" / "templates" / "gisapp"
MODULES = sorted(SCRIPTS.glob("*.js"))
# import … from "./x.js", import "./x.js" (over several lines too).
IMPORT = re.compile(r"""^\s*import\s+(?:[^;'"]*?\s+from\s+)?["']([^"']+)["']""", re.M | re.S)
SCRIPT_TAG = re.compile(r"<script\b[^>]*\bsrc=\"\{% static '([^']+)' %\}\"[^>]*>")
# window.x = …, window["x"] = … (not ==, not window.x.y = …).
WINDOW_SET = re.compile(r"\bwindow\s*(?:\.\s*[\w$]+|\[[^\]]+\])\s*=(?!=)")


def imports_of(path: Path) -> list[Path]:
    return [(path.parent / spec).resolve() for spec in IMPORT.findall(path.read_text("utf-8"))]


def test_there_are_modules():
    assert {p.name for p in MODULES} >= {"api.js", "map.js", "consumption.js", "editor.js"}


@pytest.mark.parametrize("template", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_the_site_s_scripts_are_loaded_as_modules(template):
    html = template.read_text("utf-8")
    for tag in re.finditer(r"<script\b[^>]*>", html):
        src = SCRIPT_TAG.match(tag.group(0))
        if src and src.group(1).startswith("gisapp/"):
            assert 'type="module"' in tag.group(0), f"{template.name}: {tag.group(0)}"
    assert "callback=" not in html, "the page scripts take the map from the map:init event"


def test_imports_resolve_and_have_no_cycle():
    graph = {path.resolve(): imports_of(path) for path in MODULES}
    for path, targets in graph.items():
        missing = [t.name for t in targets if t not in graph]
        assert missing == [], f"{path.name} imports what is not there: {missing}"
    done: set[Path] = set()

    def visit(path: Path, trail: tuple[Path, ...]):
        assert path not in trail, "import cycle: " + " → ".join(p.name for p in (*trail, path))
        if path in done:
            return
        for target in graph[path]:
            visit(target, (*trail, path))
        done.add(path)

    for path in graph:
        visit(path, ())


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_nothing_is_set_on_window_but_the_test_hook(path):
    found = WINDOW_SET.findall(path.read_text("utf-8"))
    if path.name == "test-hook.js":
        assert found and all("__lianzhouTest" in f for f in found)
    else:
        assert found == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_one_api_client_and_no_token_from_the_cookie(path):
    source = path.read_text("utf-8")
    assert "document.cookie" not in source  # the CSRF cookie is HttpOnly
    if path.name != "api.js":
        assert not re.search(r"\bfetch\s*\(", source), "requests go through api.js"
