import re
from pathlib import Path

import villesolidaire
from villesolidaire.notifications.kinds import MESSAGE_KIND_LABELS, kind_label

SOURCE = Path(villesolidaire.__file__).parent
# A kind written in the code: kind="…" or a *_KIND = "…" constant (message kinds only).
KIND_LITERAL = re.compile(r'(?:\bkind=|_KIND = )"([a-z_]+)"')
NOT_MESSAGE_KINDS = {"heatwave"}


def kinds_written_in_the_code() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts or "demo" in path.parts:
            continue
        found.update(KIND_LITERAL.findall(path.read_text()))
    return found - NOT_MESSAGE_KINDS


def test_every_message_kind_sent_by_the_code_has_a_french_label():
    kinds = kinds_written_in_the_code()
    assert "proposal_offer" in kinds  # the scan finds what it looks for
    assert sorted(kinds - MESSAGE_KIND_LABELS.keys()) == []


def test_unknown_kind_reads_as_words():
    assert kind_label("proposal_offer") == "Proposition d'aide (volontaire)"
    assert kind_label("brand_new_kind") == "Brand new kind"
    assert kind_label("") == "—"
