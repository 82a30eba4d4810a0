"""Input hygiene shared by every form: names, free text, phones, dates.

Django escapes everything it renders, so markup is not a security hole; it is refused because
nobody has a reason to type it in a name or a request, and a clear message beats a record full
of tags. Invisible characters (zero-width spaces, bidirectional overrides, control codes) are
refused because they make two identical-looking names different and can reverse displayed text.
"""

import datetime
import re
import unicodedata

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from phonenumber_field.formfields import PhoneNumberField
from phonenumber_field.phonenumber import PhoneNumber, to_python

from villesolidaire.core.text import count_of

# Control, format (zero-width, bidi overrides), private use, surrogates, unassigned.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})
_MULTILINE_WHITESPACE = frozenset("\n\r\t")
_MARKUP = re.compile(r"[<>]")
_NAME = re.compile(r"^[^\W\d_]+(?:[\s'’.\-]+[^\W\d_]+)*\.?$")
_MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})
# ARCEP reserves these blocks for fiction (films, demos, tests): never given to anyone, so the demo
# town's people use them. libphonenumber calls the mobile block (06 39 98) invalid; we accept all
# of them, as the landline or mobile they look like, so that what a form accepts is one rule.
FICTION_BLOCKS = ("+3319900", "+3326191", "+3335301", "+3346571", "+3353649", "+3363998")
FICTION_MOBILE_BLOCKS = ("+3363998",)
_FRENCH_NUMBER_LENGTH = len("+33612345678")
PHONE_INVALID = "Numéro de téléphone invalide : tapez par exemple 01 23 45 67 89 ou 06 12 34 56 78."
# Wished dates: a request is for the coming weeks, not for another decade.
MAX_DAYS_AHEAD = 366
MAX_DAYS_BEHIND = 31


def clean_text(value: str, *, multiline: bool = False) -> str:
    """NFC-normalised, stripped text without markup or invisible characters."""
    value = unicodedata.normalize("NFC", value or "").strip()
    allowed = _MULTILINE_WHITESPACE if multiline else frozenset()
    if any(unicodedata.category(ch) in _INVISIBLE_CATEGORIES and ch not in allowed for ch in value):
        raise ValidationError(
            "Ce texte contient des caractères invisibles ou de contrôle (espace de largeur nulle, inversion du "
            "sens d'écriture…). Retapez-le sans copier-coller.",
            code="invisible",
        )
    if _MARKUP.search(value):
        raise ValidationError("Les caractères « < » et « > » ne sont pas autorisés.", code="markup")
    return re.sub(r"[ \u00a0]{2,}", " ", value)


def clean_person_name(value: str) -> str:
    value = clean_text(value)
    if value and not _NAME.match(value):
        raise ValidationError(
            "Utilisez uniquement des lettres, des espaces, des traits d'union et des apostrophes.", code="name"
        )
    return value


def clean_text_fields(form: forms.Form, names: tuple[str, ...], *, multiline: tuple[str, ...] = ()) -> None:
    """Run clean_text on each named field that validated so far; errors go on the field."""
    for name in names:
        if name not in form.cleaned_data:
            continue
        try:
            form.cleaned_data[name] = clean_text(form.cleaned_data[name], multiline=name in multiline)
        except ValidationError as error:
            form.add_error(name, error)


def text_field(label: str, *, max_length: int, rows: int | None = None, **kwargs) -> forms.CharField:
    """Optional free text with a French length message ("1 000 caractères au plus.").

    `rows` makes it a textarea of that height; other arguments go to the CharField.
    """
    kwargs.setdefault("required", False)
    if rows:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
    length_message = f"{max_length:,} caractères au plus.".replace(",", " ")
    error_messages = {"max_length": length_message, **kwargs.pop("error_messages", {})}
    return forms.CharField(label=label, max_length=max_length, error_messages=error_messages, **kwargs)


def is_fiction_number(number: PhoneNumber | None, blocks: tuple[str, ...] = FICTION_BLOCKS) -> bool:
    """Whether `number` lies in one of ARCEP's blocks reserved for fiction."""
    if not number:
        return False
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return len(e164) == _FRENCH_NUMBER_LENGTH and e164.startswith(blocks)


def is_accepted_number(number: PhoneNumber | None) -> bool:
    """The one rule for a phone number a form accepts: valid, or a fiction number (demo)."""
    return bool(number) and (phonenumbers.is_valid_number(number) or is_fiction_number(number))


def validate_accepted_number(value) -> None:
    number = to_python(value)
    if isinstance(number, PhoneNumber) and not is_accepted_number(number):
        raise ValidationError(PHONE_INVALID, code="invalid")


class AcceptedPhoneNumberField(PhoneNumberField):
    """django-phonenumber-field's form field with the project's rule (`is_accepted_number`)."""

    default_validators = [validate_accepted_number]

    def to_python(self, value):
        number = super().to_python(value)
        if isinstance(number, PhoneNumber) and number.country_code and is_fiction_number(number):
            # The model field stores a number it finds invalid as typed ("06 39 98 00 12"): hand it
            # the E.164 form, so that fiction numbers are stored, compared and found like the others.
            return PhoneNumber.from_string(number.as_e164)
        return number


def phone_field(label: str = "Téléphone", *, invalid: str = PHONE_INVALID, **kwargs) -> PhoneNumberField:
    """A French-first phone field stored in E.164, with a French error message; `invalid` may
    give examples that suit the form (a landline for an organisation, a mobile for a volunteer)."""
    kwargs.setdefault("required", False)
    field = AcceptedPhoneNumberField(label=label, error_messages={"invalid": invalid}, **kwargs)
    field.widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
    field.widget.input_type = "tel"
    return field


def honeypot_field(label: str = "Ne pas remplir ce champ") -> forms.CharField:
    """A field hidden from people (CSS and aria-hidden, out of the tab order) that naive bots fill in."""
    field = forms.CharField(
        label=label, required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )
    field.is_honeypot = True  # the load-shedding page never labels a field with it
    return field


def first_errors(errors: list[str], limit: int) -> list[str]:
    """The first `limit` lines of a refused file's errors, then « … et N autres erreurs. »"""
    shown = errors[:limit]
    if len(errors) > limit:
        shown.append(f"… et {count_of(len(errors) - limit, 'autre erreur', 'autres erreurs')}.")
    return shown


def parse_phone(text: str) -> PhoneNumber | None:
    """The E.164 number for what an operator typed ("06 12 34 56 78", "+33 6…"), or None."""
    digits = re.sub(r"[^\d+]", "", text or "")
    if len(digits) < 6:
        return None
    try:
        number = PhoneNumber.from_string(digits, region="FR")
    except phonenumbers.NumberParseException:
        return None
    return number if number.is_valid() else None


# What a typed phone number is made of: digits, spaces, dots, dashes, slashes, brackets, a plus.
_PHONE_TYPED = re.compile(r"^[\d\s.\-+/()]+$")


def phone_e164(text: str | None) -> str:
    """E.164 form of a number however a person types it, or "" when it cannot be a phone number.

    Lenient on purpose, for search and for the register's blind index: a *possible* number is
    enough (the strict `parse_phone` refuses ranges it does not know as allocated, such as the
    fiction ranges 01 99 00…, 06 39 98…), and the usual French ways of writing one are read:
    "06 12 34 56 78", "06.12.34.56.78", "+33 6 12…", "+33 (0)6 12…", "0033 6 12…", "33 6 12…" and
    "6 12 34 56 78" (nine digits, the leading 0 left out).
    """
    digits = re.sub(r"[^\d+]", "", text or "")
    international = digits.startswith("+")
    digits = digits.replace("+", "")
    if digits.startswith("00"):
        digits, international = digits[2:], True
    elif not international and len(digits) == 11 and digits.startswith("33"):
        international = True
    elif not international and len(digits) == 9 and digits[0] != "0":
        digits = "0" + digits
    if international and digits.startswith("330"):
        digits = "33" + digits[3:]  # "+33 (0)6 12 34 56 78"
    if len(digits) < 6:
        return ""
    try:
        number = phonenumbers.parse(("+" if international else "") + digits, "FR")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text: str | None) -> bool:
    """Whether a search text is a phone number (digits and phone punctuation only), not a name."""
    text = (text or "").strip()
    return bool(_PHONE_TYPED.match(text)) and sum(ch.isdigit() for ch in text) >= 2


def is_mobile(number: PhoneNumber | None) -> bool:
    return bool(number) and (
        phonenumbers.number_type(number) in _MOBILE_TYPES or is_fiction_number(number, FICTION_MOBILE_BLOCKS)
    )


def mobile_or_nothing(number: PhoneNumber | None) -> PhoneNumber | None:
    """Form check of a "mobile" field: a landline typed there is refused, in French."""
    if number and not is_mobile(number):
        raise ValidationError("Ce numéro n'est pas un mobile : indiquez-le comme téléphone fixe.")
    return number


def out_of_range(what: str, low, high, unit: str = "") -> str:
    """The one French message for a value outside its bounds, naming the accepted range:
    out_of_range("une année", 1900, 2010) → « Indiquez une année entre 1900 et 2010. »;
    out_of_range("une distance", 1, 50, " km"); dates: out_of_range("une date", "le 01/01/2000", …)."""
    return f"Indiquez {what} entre {low} et {high}{unit}."


def range_errors(what: str, low, high, unit: str = "") -> dict[str, str]:
    """A number field's `min_value` and `max_value` messages: both say the whole range."""
    message = out_of_range(what, low, high, unit)
    return {"min_value": message, "max_value": message}


def birth_year_field(**kwargs) -> forms.IntegerField:
    this_year = timezone.localdate().year
    kwargs.setdefault("required", False)
    return forms.IntegerField(
        label=kwargs.pop("label", "Année de naissance"),
        min_value=1900,
        max_value=this_year,
        error_messages={
            **range_errors("une année", 1900, this_year),
            "invalid": "Année de naissance invalide : tapez quatre chiffres, par exemple 1942.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-year"}),
        **kwargs,
    )


def check_wished_dates(form: forms.Form, start_name: str = "wished_start", end_name: str = "wished_end") -> None:
    """Refuse past, far-future and reversed wished dates with a message on the field."""
    today = timezone.localdate()
    earliest, latest = (
        today - datetime.timedelta(days=MAX_DAYS_BEHIND),
        today + datetime.timedelta(days=MAX_DAYS_AHEAD),
    )
    for name in (start_name, end_name):
        value = form.cleaned_data.get(name)
        if value and not earliest <= value <= latest:
            form.add_error(name, out_of_range("une date", f"le {earliest:%d/%m/%Y}", f"le {latest:%d/%m/%Y}"))
    start, end = form.cleaned_data.get(start_name), form.cleaned_data.get(end_name)
    if start and end and end < start:
        form.add_error(end_name, "La date de fin est avant la date de début.")


# Any date a form computes with (the day after, a week's slots) lies between these: a year 0001 or
# 9999, typed or sent by hand, is no real date here and would overflow that arithmetic (a 500).
EARLIEST_DATE = datetime.date(2000, 1, 1)
MAX_YEARS_AHEAD = 10


def latest_date() -> datetime.date:
    """The last day of the tenth year from now."""
    return datetime.date(timezone.localdate().year + MAX_YEARS_AHEAD, 12, 31)


def within_date_bounds(value: datetime.date | datetime.datetime | None) -> None:
    """Field validator: refuse a date (or date-time) outside EARLIEST_DATE .. latest_date(),
    in French.

        day = date_field("Jour", validators=[within_date_bounds])
    """
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value
    earliest, latest = EARLIEST_DATE, latest_date()
    if not earliest <= day <= latest:
        raise ValidationError(
            out_of_range("une date", f"le {earliest:%d/%m/%Y}", f"le {latest:%d/%m/%Y}"), code="out_of_bounds"
        )


DATE_ERRORS = {"invalid": "Date invalide : utilisez le format jj/mm/aaaa."}
# The browser's date picker sends ISO dates; a date typed by hand (no picker) is French.
DATE_INPUT_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def date_field(
    label: str, *, required: bool = False, error_messages: dict | None = None, attrs: dict | None = None, **kwargs
) -> forms.DateField:
    """A date chosen in the browser's date picker or typed jj/mm/aaaa, with French messages.

    `error_messages` add to (or replace) DATE_ERRORS; `attrs` add to the date input's attributes.
    """
    return forms.DateField(
        label=label,
        required=required,
        error_messages={**DATE_ERRORS, **(error_messages or {})},
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date", **(attrs or {})}, format="%Y-%m-%d"),
        **kwargs,
    )


def require_mobile(number: PhoneNumber | str | None) -> None:
    """SMS only reach mobiles: refuse a landline, which would silently never get the links."""
    if not number or not isinstance(number, PhoneNumber):
        return
    if not is_mobile(number):
        raise ValidationError(
            "Indiquez un numéro de téléphone mobile (par exemple 06 12 34 56 78).", code="not_mobile"
        )
