"""API Engagement's automatic moderation of mission titles, so that our needs are not refused there.

API Engagement runs every mission of an imported feed through one check (betagouv/api-engagement,
`api/src/jobs/import-missions/utils/moderation.ts`, `getModeration`; formerly
`process/src/jobs/import/utils/moderation.ts`). The title is read first, after one HTML-entity
decoding (`he.decode` in `api/src/jobs/import-missions/utils/mission.ts`), and the mission is
REFUSED when the title is:

1. missing (empty, or a single space) — « Titre manquant »;
2. still holding « &# » (a numeric entity left over, i.e. encoded twice) — « Problème d'encodage
   dans le titre »;
3. one word: splitting on the space character gives one piece — « Le titre est trop court
   (1 seul mot) ».

Nothing else about the title is checked there (no length, case or vocabulary rule); JeVeuxAider's
own automatic moderation (`api/src/jobs/moderation/utils.ts`) does not look at the title at all.

Our reading is slightly stricter, never looser: surrounding whitespace is ignored (upstream, « Aide »
followed by a space passes as two pieces) and a blank title counts as missing. Only the plain space
separates words, as upstream: « Maraude !» typed with a no-break space before « ! » is one word
there, which is why `normalise_title` turns every run of whitespace into one plain space.
"""

import html
import re

TITLE_MISSING = "Donnez un titre au besoin."
TITLE_ENCODING = (
    "Le titre contient un code de caractère HTML (« &# ») : écrivez le caractère lui-même (é, ’, €…). "
    "API Engagement refuse les titres mal encodés."
)
TITLE_ONE_WORD = (
    "Le titre doit compter au moins deux mots, par exemple « Distribution alimentaire » plutôt que "
    "« Distribution » : API Engagement refuse les titres d'un seul mot."
)

_WHITESPACE = re.compile(r"\s+")


def normalise_title(title: str) -> str:
    """`title` with every run of whitespace (tabs, new lines, no-break spaces…) made one plain space,
    stripped. HTML entities are left as they are: `title_problems` reads them as API Engagement does."""
    return _WHITESPACE.sub(" ", title or "").strip()


def has_encoding_problem(text: str) -> bool:
    """An entity left over after one decoding: the text was HTML-encoded twice (« &amp;#233; »)."""
    return "&#" in html.unescape(text or "")


def title_problems(title: str) -> list[str]:
    """Why API Engagement's automatic moderation would refuse a mission with this title, in French
    (empty list: accepted). Usable on a typed title or on a title read from an external feed."""
    decoded = html.unescape(title or "").strip()
    if not decoded:
        return [TITLE_MISSING]
    problems = []
    if has_encoding_problem(title):
        problems.append(TITLE_ENCODING)
    if " " not in decoded:
        problems.append(TITLE_ONE_WORD)
    return problems
