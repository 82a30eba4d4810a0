"""Check that SMS templates stay within one 160-character GSM-7 SMS where their text is fixed.

Convention: SMS templates are named `<app>/sms/<name>.txt` (or contain "sms" in their file
name). Rendering with an empty context leaves only the fixed text; variable parts (names,
links) come on top, so the fixed text gets a margin.
"""

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from villesolidaire.notifications.sms import SMS_GSM7_SINGLE, gsm7_length, to_gsm7


def sms_template_names() -> list[str]:
    roots = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    roots += sorted(Path(settings.BASE_DIR, "villesolidaire").glob("*/templates"))
    names = set()
    for root in roots:
        for path in root.rglob("*.txt"):
            relative = path.relative_to(root).as_posix()
            if "/sms/" in f"/{relative}" or "sms" in path.name:
                names.add(relative)
    return sorted(names)


def fixed_text_length(template_name: str, context: dict | None = None) -> int:
    """GSM-7 length of the template rendered with `context` (empty: its fixed text only)."""
    return gsm7_length(to_gsm7(render_to_string(template_name, context or {}).strip()))


def assert_fits_one_sms(template_name: str, context: dict | None = None, limit: int = SMS_GSM7_SINGLE) -> None:
    length = fixed_text_length(template_name, context)
    assert length <= limit, f"{template_name}: {length} caractères GSM-7 (> {limit}) : raccourcir le texte."
