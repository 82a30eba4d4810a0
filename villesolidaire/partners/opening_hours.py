"""A loose check of OpenStreetMap `opening_hours` values (the format data·inclusion asks for).

Not a full parser: it accepts the common shapes (« Mo-Fr 08:30-12:30,14:00-17:00; Sa 09:00-12:00;
PH off », « 24/7 », months, week numbers, comments in quotes) and rejects free prose such as
« du lundi au vendredi le matin », which is what people type when they do not know the format.
"""

import re

from django.core.exceptions import ValidationError

_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAY_ITEM = rf"(?:{_DAY}(?:\[-?\d(?:-\d)?(?:,-?\d)*\])?(?:-{_DAY})?|PH|SH)"
_TIME = r"(?:[01]\d|2[0-4]):[0-5]\d|sunrise|sunset|dawn|dusk"
_TIME_SPAN = rf"(?:{_TIME})(?:(?:-(?:{_TIME}))\+?|\+)?"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_MONTH_ITEM = rf"(?:(?:\d{{4}} )?{_MONTH}(?: \d{{1,2}})?(?:-(?:{_MONTH} )?\d{{1,2}}|-{_MONTH}(?: \d{{1,2}})?)?)"
_TOKENS = [
    rf"{_DAY_ITEM}(?:,{_DAY_ITEM})*:?",
    rf"{_TIME_SPAN}(?:,{_TIME_SPAN})*",
    rf"{_MONTH_ITEM}(?:,{_MONTH_ITEM})*:?",
    r"week\s?\d{1,2}(?:-\d{1,2})?(?:/\d)?(?:,\d{1,2}(?:-\d{1,2})?)*:?",
    r"\d{4}(?:-\d{4})?(?:/\d+)?(?:,\d{4}(?:-\d{4})?)*:?",
    r"off|closed|open|unknown|24/7",
    r'"[^"]{0,200}"',
]
_TOKEN = re.compile("|".join(f"(?:{token})" for token in _TOKENS))
_RULE_SEPARATOR = re.compile(r"\s*(?:;|\|\|)\s*")
MAX_LENGTH = 255


def opening_hours_problem(value: str) -> str:
    """Why `value` is not a plausible opening_hours value, or "" when it looks right."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > MAX_LENGTH:
        return f"{MAX_LENGTH} caractères au plus."
    for rule in _RULE_SEPARATOR.split(value):
        if not rule:
            continue
        position = 0
        rule = rule.strip()
        while position < len(rule):
            match = _TOKEN.match(rule, position)
            if not match or match.end() == position:
                return f"« {rule[position : position + 20]} » n'est pas compris."
            position = match.end()
            if position < len(rule):
                if rule[position] not in " ,":
                    return f"« {rule[position : position + 20]} » n'est pas compris."
                position += 1
                while position < len(rule) and rule[position] == " ":
                    position += 1
    return ""


def validate_opening_hours(value: str) -> None:
    problem = opening_hours_problem(value)
    if problem:
        raise ValidationError(
            f"Horaires au format OpenStreetMap attendus, par exemple « Mo-Fr 08:30-12:30,14:00-17:00; Sa 09:00-12:00; "
            f"PH off » (Mo lundi, Tu mardi, We mercredi, Th jeudi, Fr vendredi, Sa samedi, Su dimanche, PH jours "
            f"fériés) : {problem}"
        )
