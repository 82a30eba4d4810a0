"""A French phonetic key for names: two spellings that sound alike get the same key.

Written here rather than taken from a library: the maintained phonetic packages are English
(Soundex, Metaphone), and the French ones (Soundex2, Phonex, in the `abydos` collection) are
unmaintained since 2020. This is a small rule set in the spirit of Soundex2, tuned for
surnames and first names as a town hall types them: silent letters (« Dupont » / « Dupond »),
« ph »/« f », « th »/« t », doubled consonants, « c »/« k »/« qu », « au »/« eau »/« o », « ai »/« è »,
« y »/« i », « z »/« s ».

It only proposes candidates: the ranking (core.fuzzy) still compares the spellings themselves.

    french_phonetic("Thérèse") == french_phonetic("Tereze") == "teres"
"""

import re

from villesolidaire.core.text import fold

# Applied in order to a folded word (lower-case ASCII letters only).
_RULES: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^h", ""),
        (r"ph", "f"),
        (r"th", "t"),
        (r"s?ch", "C"),  # « ch », « sch »: one sound, kept apart from « c »/« k »
        (r"sh", "C"),
        (r"c?q(u)?", "k"),
        (r"ck", "k"),
        (r"c(?=[eiy])", "s"),
        (r"c", "k"),
        (r"gu(?=[eiy])", "G"),  # a hard « g » (« Guillaume »), not turned into « j »
        (r"g(?=[eiy])", "j"),
        (r"gn", "ni"),
        (r"bv", "v"),
        (r"w", "v"),
        (r"y", "i"),
        (r"z", "s"),
        (r"x$", ""),
        (r"x", "ks"),
        (r"h", ""),
        (r"eau", "o"),
        (r"au(l?[tdx]?)$", "o"),  # « Renault », « Renaud »
        (r"au", "o"),
        (r"[ae]i(?=[^nm]|$)", "e"),  # « ai », « ei » (but « ain », « ein » are nasal)
        (r"ou", "u"),
    )
)
_SILENT_ENDING = re.compile(r"(?<=[a-zCG])[stdpx]+$")
_DOUBLED = re.compile(r"(.)\1+")


def french_phonetic(word: str) -> str:
    """The phonetic key of one word ("" for an empty one); several words are read as one."""
    key = fold(word).replace(" ", "")
    if not key:
        return ""
    for pattern, replacement in _RULES:
        key = pattern.sub(replacement, key)
    key = _DOUBLED.sub(r"\1", key)
    if len(key) > 2 and key.endswith("e"):
        key = key[:-1]  # a final mute « e »: the consonant before it is heard (« Thérèse »)
    elif len(key) > 3:
        key = _SILENT_ENDING.sub("", key)  # « Dupont », « Renaud », « Dumas »
    return _DOUBLED.sub(r"\1", key).lower()
