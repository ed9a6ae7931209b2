"""One look: every page takes the one stylesheet, whose colours, spacing and type scale are design tokens."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STYLESHEET = ROOT / "static" / "css" / "app.css"
# Swagger UI brings its own stylesheet; ours only corrects its contrast (static/css/api-docs.css).
OWN_STYLESHEET_OF = {"drf_spectacular/swagger_ui.html": "css/api-docs.css"}
SIZE = re.compile(r"\b\d*\.?\d+(px|rem|em)\b")


def _templates():
    return sorted(path for path in TEMPLATES.rglob("*.html"))


def test_no_page_brings_a_stylesheet_of_its_own_or_inline_styles():
    found = []
    for path in _templates():
        name, text = str(path.relative_to(TEMPLATES)), path.read_text()
        for sheet in re.findall(r"<link[^>]*rel=\"stylesheet\"[^>]*href=\"\{% static '([^']+)' %\}\"", text):
            if sheet not in ("css/app.css", OWN_STYLESHEET_OF.get(name)):
                found.append(f"{name}: {sheet}")
        if re.search(r"<style\b|\sstyle=", text):
            found.append(f"{name}: inline style")
    assert found == []
    assert sorted(p.name for p in STYLESHEET.parent.glob("*.css")) == ["api-docs.css", "app.css"]


def test_the_stylesheet_defines_colour_spacing_and_type_tokens():
    root = re.search(r":root\s*\{([^}]*)\}", STYLESHEET.read_text()).group(1)
    tokens = set(re.findall(r"--([a-z0-9-]+):", root))
    assert {"color-bg", "color-text", "color-primary", "color-danger"} <= tokens
    assert {"space-1", "space-2", "space-4"} <= tokens
    assert {"text-sm", "text-base", "text-lg", "text-xl"} <= tokens


def test_paddings_margins_gaps_and_font_sizes_come_from_the_tokens():
    css = re.sub(r":root\s*\{[^}]*\}", "", STYLESHEET.read_text())
    spelled = [
        match.group(0)
        for match in re.finditer(
            r"(?<![-\w])(padding|margin|gap|row-gap|column-gap|font-size)(-[a-z]+)?\s*:\s*([^;}]+)", css
        )
        if SIZE.search(re.sub(r"var\([^)]*\)|clamp\([^)]*\)", "", match.group(3)))
    ]
    assert spelled == []


@pytest.mark.django_db
def test_every_page_links_the_api_docs(client_in, team):
    html = client_in.get(f"/t/{team.slug}/").content.decode()
    assert '<a href="/api/docs/">API docs</a>' in html
    assert client_in.get("/api/docs/").status_code == 200
