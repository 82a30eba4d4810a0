"""HTML written by others (imported mission descriptions): kept to a safe subset, or read as text.

Sanitising goes through nh3 (the Rust `ammonia` library): an allow-list of tags and attributes,
links limited to http(s) and mailto and marked `nofollow`. Whatever is not on the list is
removed, its text kept; `<script>` and `<style>` go with their content.
"""

import html
import re

import nh3

ALLOWED_TAGS = frozenset(
    {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u", "h3", "h4", "h5", "h6", "a", "blockquote"}
)
ALLOWED_ATTRIBUTES = {"a": frozenset({"href"})}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Headings inside a page that has its own h1/h2: h1 and h2 of a feed become paragraphs' weight.
_DEMOTED_HEADINGS = re.compile(r"<(/?)h[12](\s[^>]*)?>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(p|h[1-6]|blockquote|div|ul|ol)>|<br\s*/?>", re.IGNORECASE)
_LIST_ITEM = re.compile(r"<li(\s[^>]*)?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_LOOKS_LIKE_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^>]*)?/?>")


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_LIKE_HTML.search(text or ""))


def sanitise_html(value: str) -> str:
    """The safe subset of `value` (empty when nothing is left)."""
    demoted = _DEMOTED_HEADINGS.sub(lambda m: f"<{m.group(1)}h3>", value or "")
    cleaned = nh3.clean(
        demoted,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return cleaned.strip()


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment: one line per block, list items with a bullet, entities read."""
    text = _LIST_ITEM.sub("\n • ", value or "")
    text = _BLOCK_END.sub("\n", text)
    text = html.unescape(nh3.clean(text, tags=set()))  # every tag removed, its text kept
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()
