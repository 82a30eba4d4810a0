"""Forgiving name search: the keys a name is indexed under, and the ranking of what they find.

A name is cut into folded words (core.text.fold: no case, no accents, hyphens and apostrophes
as spaces), leaving out particles and marital words (« de », « née », « épouse »…). Each word
is indexed under a few *keys*, each tagged by its kind:

- ``~word`` and ``~`` + the word with one letter deleted (words of 4 letters or more): a typed
  word within one edit of the stored one (a letter substituted, deleted, inserted, or two
  neighbours swapped) shares one of these keys with it — the « symmetric delete » idea;
- ``^`` + each prefix of 3 letters or more: « dupon » finds « Dupont-Martin »;
- ``#`` + the French phonetic key (core.phonetic): « Dupond » finds « Dupont ».

The database only proposes candidates (an entry with a key of every typed word); they are then
scored here, in Python, on the names themselves (`name_score`), and only the best are shown
(`best_matches`). Residents store the keys as text (`index_text`); the register stores keyed
hashes of them (core.crypto.search_key), since its names are encrypted.
"""

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import models

from villesolidaire.core.phonetic import french_phonetic
from villesolidaire.core.text import tokens

T = TypeVar("T")

# Words that say how a name is held, not which name: « Martin née Dupont », « de la Fontaine ».
PARTICLES = frozenset(
    {"de", "du", "des", "d", "le", "la", "les", "l", "nee", "ne", "epouse", "ep", "veuve", "vve", "dit", "dite"}
)
TYPO_MIN_LENGTH = 4  # shorter words must be typed exactly (or as a prefix): « Li » ≠ « Le »
PREFIX_MIN_LENGTH = 3
PHONETIC_MIN_LENGTH = 3
MAX_QUERY_WORDS = 4

# How well one typed word matches a name's word (1 = the same word).
EXACT, PREFIX, ONE_EDIT, SOUND = 1.0, 0.8, 0.7, 0.6
# Shown: candidates scoring at least the best score minus this (one typed word a grade lower).
SHOWN_BELOW_BEST = 0.1


def name_tokens(text: str) -> list[str]:
    """The searchable words of a name, particles left out unless nothing else is left."""
    words = tokens(text)
    kept = [word for word in words if word not in PARTICLES]
    return kept or words


def query_tokens(text: str) -> list[str]:
    return name_tokens(text)[:MAX_QUERY_WORDS]


def deletions(word: str) -> set[str]:
    """The word with one letter left out, each way (none for a short word)."""
    if len(word) < TYPO_MIN_LENGTH:
        return set()
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def index_keys(name: str) -> set[str]:
    """Every key a stored name is found under."""
    keys: set[str] = set()
    for word in name_tokens(name):
        keys.add("~" + word)
        keys.update("~" + variant for variant in deletions(word))
        keys.update("^" + word[:n] for n in range(PREFIX_MIN_LENGTH, len(word)))
        if len(word) >= PHONETIC_MIN_LENGTH:
            keys.add("#" + french_phonetic(word))
    return keys


def query_keys(word: str) -> set[str]:
    """The keys one typed word looks for: a stored name with any of them is a candidate."""
    keys = {"~" + word, *("~" + variant for variant in deletions(word))}
    if len(word) >= PREFIX_MIN_LENGTH:
        keys.add("^" + word)
    if len(word) >= PHONETIC_MIN_LENGTH:
        keys.add("#" + french_phonetic(word))
    return keys


def index_text(name: str) -> str:
    """The keys as one space-separated text (with a space at each end), for a plain column."""
    return " " + " ".join(sorted(index_keys(name))) + " " if name.strip() else ""


def within_one_edit(a: str, b: str) -> bool:
    """Whether two words differ by at most one letter substituted, inserted, deleted, or two
    neighbouring letters swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
        return swapped or a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def word_score(typed: str, word: str) -> float:
    if typed == word:
        return EXACT
    if len(typed) >= PREFIX_MIN_LENGTH and word.startswith(typed):
        return PREFIX
    if max(len(typed), len(word)) >= TYPO_MIN_LENGTH and within_one_edit(typed, word):
        return ONE_EDIT
    if len(typed) >= PHONETIC_MIN_LENGTH and french_phonetic(typed) == french_phonetic(word):
        return SOUND
    return 0.0


def name_score(typed_words: list[str], name: str) -> float:
    """Mean over the typed words of their best match in the name; 0 when one matches nothing.

    Each name word serves one typed word at most: « Marie Marie » typed finds only a name with
    two words « Marie ».
    """
    words = name_tokens(name)
    total = 0.0
    for typed in typed_words:
        scored = [(word_score(typed, word), index) for index, word in enumerate(words)]
        best, index = max(scored, default=(0.0, -1))
        if not best:
            return 0.0
        total += best
        words = words[:index] + words[index + 1 :]
    return total / len(typed_words) if typed_words else 0.0


def best_matches(typed: str, candidates: Iterable[T], name_of: Callable[[T], str]) -> list[T]:
    """The candidates worth showing for a typed name, best first.

    Only those scoring within SHOWN_BELOW_BEST of the best: when « Martin Jeanne » exists, the
    « Martine Jeannot » that a prefix also finds is not shown beside her.
    """
    typed_words = query_tokens(typed)
    scored = [(name_score(typed_words, name_of(item)), index, item) for index, item in enumerate(candidates)]
    scored = [row for row in scored if row[0] > 0]
    if not scored:
        return []
    best = max(score for score, _index, _item in scored)
    shown = sorted((row for row in scored if row[0] >= best - SHOWN_BELOW_BEST), key=lambda row: (-row[0], row[1]))
    return [item for _score, _index, item in shown]


def in_rank_order(queryset: models.QuerySet, pks: list[int]) -> models.QuerySet:
    """The rows of these primary keys, in this order (a ranking made in Python)."""
    if not pks:
        return queryset.none()
    rank = models.Case(*[models.When(pk=pk, then=models.Value(n)) for n, pk in enumerate(pks)])
    return queryset.filter(pk__in=pks).order_by(rank, "pk")
