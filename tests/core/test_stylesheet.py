"""Rules of the theme's stylesheet that a page's markup relies on."""

import re
from pathlib import Path

import villesolidaire

APP_CSS = Path(villesolidaire.__file__).parent / "core" / "static" / "vs" / "css" / "app.css"


def rule(selector: str) -> str:
    match = re.search(rf"^{re.escape(selector)} \{{([^}}]*)\}}", APP_CSS.read_text(), re.MULTILINE)
    assert match, f"no rule for {selector}"
    return match.group(1)


def test_a_list_of_cards_shows_no_bullet_nor_indent():
    # The caller's home page lists its campaigns as <ul class="cards">: a bullet and an indent
    # beside each card on a phone otherwise.
    declarations = rule(".cards")
    assert "list-style: none" in declarations and "padding: 0" in declarations
