from datetime import datetime, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.core.validation import clean_text
from villesolidaire.missions.enums import EvaluationChannel, MissedReason
from villesolidaire.missions.services import MAX_SERIES, not_started_message, wished_date_problem

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]
DATETIME_ERRORS = {
    "required": "Indiquez la date et l'heure.",
    "invalid": "Date et heure attendues, par exemple 12/03/2026 14:30.",
}


def datetime_field(label: str) -> forms.DateTimeField:
    """A date and time picked on a phone (datetime-local), typed dates accepted too."""
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages=DATETIME_ERRORS,
    )


class PlainTextField(forms.CharField):
    """Free text through the project's input hygiene (core.validation.clean_text)."""

    def __init__(self, *args, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def clean(self, value):
        return clean_text(super().clean(value), multiline=self.multiline)


class MissionReportForm(forms.Form):
    outcome = forms.ChoiceField(
        label="La mission a-t-elle eu lieu ?",
        choices=[("done", "Oui, c'est fait"), ("missed", "Non, elle n'a pas pu avoir lieu")],
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez si la mission a eu lieu.", "invalid_choice": "Choix inconnu."},
    )
    missed_reason = forms.ChoiceField(
        label="Si elle n'a pas eu lieu, pourquoi ?",
        required=False,
        choices=[("", "—"), *MissedReason.choices],
        help_text="La personne aidée en sera informée par ces mots.",
        error_messages={"invalid_choice": "Choix inconnu."},
    )
    duration_minutes = forms.IntegerField(
        label="Durée (en minutes)",
        required=False,
        min_value=1,
        max_value=12 * 60,
        help_text="Par exemple 45 pour trois quarts d'heure.",
        error_messages={
            "invalid": "Indiquez la durée en minutes, par exemple 45.",
            "min_value": "La durée doit être d'au moins 1 minute.",
            "max_value": "La durée ne peut pas dépasser 12 heures (720 minutes).",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    notes = PlainTextField(
        label="Quelques mots (facultatif)",
        required=False,
        max_length=500,
        multiline=True,
        help_text="500 caractères au plus. Ce qui a été fait, ce qu'il faudrait signaler.",
        error_messages={"max_length": "500 caractères au plus (vous en avez écrit %(show_value)d)."},
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
    )
    amount_advanced = forms.DecimalField(
        label="Montant avancé (€)",
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("5000"),
        max_digits=7,
        decimal_places=2,
        help_text="Montant des achats payés pour la personne, par exemple 23,50.",
        error_messages={
            "invalid": "Indiquez un montant en euros, par exemple 23,50.",
            "min_value": "Le montant ne peut pas être négatif.",
            "max_value": "Le montant ne peut pas dépasser 5 000 €.",
            "max_decimal_places": "Deux chiffres après la virgule au plus.",
            "max_digits": "Montant trop grand.",
        },
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, involves_money: bool = False, mission=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.involves_money = involves_money
        self.mission = mission
        if not involves_money:
            del self.fields["amount_advanced"]

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") == "done"
            and not cleaned.get("duration_minutes")
            and "duration_minutes" not in self.errors
        ):
            self.add_error("duration_minutes", "Indiquez la durée de la mission.")
        if self.mission is not None and self.mission.scheduled_at > timezone.now():
            # The service refuses it too (MissionNotStarted); here the volunteer sees why on the form.
            self.add_error("outcome", not_started_message(self.mission))
        if cleaned.get("outcome") == "missed":
            self._refuse_what_a_missed_mission_cannot_have(cleaned)
            if not cleaned.get("missed_reason") and "missed_reason" not in self.errors:
                self.add_error("missed_reason", "Indiquez pourquoi la mission n'a pas eu lieu.")
        else:
            cleaned["missed_reason"] = ""
        return cleaned

    def _refuse_what_a_missed_mission_cannot_have(self, cleaned: dict) -> None:
        """A mission that did not take place has no duration and nothing advanced (an amount of 0 is dropped)."""
        if cleaned.get("duration_minutes"):
            self.add_error(
                "duration_minutes",
                "La mission n'a pas eu lieu : laissez la durée vide, ou indiquez qu'elle est faite.",
            )
        if cleaned.get("amount_advanced"):
            self.add_error(
                "amount_advanced",
                "La mission n'a pas eu lieu : laissez le montant vide, ou indiquez qu'elle est faite.",
            )
        cleaned["duration_minutes"] = None
        if "amount_advanced" in self.fields:
            cleaned["amount_advanced"] = None


class MissionPlanForm(forms.Form):
    scheduled_at = datetime_field("Date et heure")
    count = forms.IntegerField(
        label="Nombre de rendez-vous à prévoir",
        min_value=1,
        max_value=MAX_SERIES,
        initial=1,
        required=False,
        help_text=f"Pour un soutien régulier : les {MAX_SERIES} prochains au plus, au rythme de la demande.",
        error_messages={
            "invalid": "Indiquez un nombre.",
            "min_value": "Au moins 1.",
            "max_value": f"{MAX_SERIES} au plus.",
        },
    )

    def __init__(self, *args, recurring: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not recurring:
            del self.fields["count"]

    def clean_scheduled_at(self):
        value = self.cleaned_data["scheduled_at"]
        now = timezone.now()
        if value < now - timedelta(days=30):
            raise ValidationError("Cette date est passée depuis plus d'un mois.")
        if value > now + timedelta(days=366):
            raise ValidationError("Cette date est à plus d'un an.")
        return value


class RescheduleRequestForm(forms.Form):
    wished_at = datetime_field("Nouvelle date et heure souhaitées")
    note = PlainTextField(
        label="Message pour la coordination (facultatif)",
        required=False,
        max_length=300,
        multiline=True,
        help_text="Par exemple : la personne préfère le matin.",
        error_messages={"max_length": "300 caractères au plus."},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
    )

    def clean_wished_at(self) -> datetime:
        value = self.cleaned_data["wished_at"]
        problem = wished_date_problem(value, timezone.now())
        if problem:
            raise ValidationError(problem)
        return value


class ReasonForm(forms.Form):
    reason = PlainTextField(
        label="Motif",
        max_length=300,
        widget=forms.TextInput(attrs={"maxlength": 300}),
        error_messages={"required": "Indiquez le motif.", "max_length": "300 caractères au plus."},
    )


class OptionalReasonForm(ReasonForm):
    reason = PlainTextField(
        label="Motif (facultatif)",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 300}),
        error_messages={"max_length": "300 caractères au plus."},
    )


RATING_CHOICES = [
    (str(n), label)
    for n, label in [
        (5, "5 — Très satisfait·e"),
        (4, "4 — Satisfait·e"),
        (3, "3 — Moyennement"),
        (2, "2 — Peu satisfait·e"),
        (1, "1 — Pas du tout"),
    ]
]


USEFULNESS_CHOICES = [
    ("", "Sans réponse"),
    *(
        (str(n), label)
        for n, label in [
            (5, "5 — Très utile"),
            (4, "4 — Utile"),
            (3, "3 — Moyennement"),
            (2, "2 — Peu utile"),
            (1, "1 — Pas utile"),
        ]
    ),
]

KEPT_LINK_CHOICES = [("", "Sans réponse"), ("yes", "Oui"), ("no", "Non")]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class EvaluationForm(forms.Form):
    """The questions asked of both sides after a support, and in a periodic questionnaire (surveys)."""

    rating = forms.TypedChoiceField(
        label="Satisfaction",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez une note de 1 à 5.",
            "invalid_choice": "Choisissez une note de 1 à 5.",
        },
    )
    usefulness = forms.TypedChoiceField(
        label="Utilité (facultatif)",
        help_text="Ce soutien a-t-il été utile ?",
        choices=USEFULNESS_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choisissez une note de 1 à 5, ou « Sans réponse »."},
    )
    kept_link = forms.TypedChoiceField(
        label="Lien gardé après le soutien (facultatif)",
        help_text="Souhaitez-vous garder le lien, ou l'avez-vous gardé, avec la personne rencontrée ?",
        choices=KEPT_LINK_CHOICES,
        coerce=_yes_no,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Répondez oui, non, ou « Sans réponse »."},
    )
    comment = PlainTextField(
        label="Commentaire (facultatif)",
        required=False,
        max_length=1000,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        error_messages={"max_length": "1 000 caractères au plus."},
    )
    quote_consent = forms.BooleanField(
        label="J'accepte que ce commentaire soit cité anonymement dans le bilan du CCAS",
        help_text="Sans nom : le CCAS retire tout ce qui permettrait de reconnaître quelqu'un.",
        required=False,
    )

    FIELDS = ("rating", "usefulness", "kept_link", "comment", "quote_consent")

    def answers(self) -> dict:
        """The cleaned answers, as the services take them."""
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class ResidentEvaluationForm(EvaluationForm):
    channel = forms.ChoiceField(
        label="Avis recueilli par",
        choices=[c for c in EvaluationChannel.choices if c[0] != EvaluationChannel.ONLINE],
        error_messages={"required": "Indiquez comment l'avis a été recueilli.", "invalid_choice": "Choix inconnu."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Typed by an operator from the phone: the consent is the resident's, asked aloud.
        self.fields["quote_consent"].label = "La personne accepte que son commentaire soit cité anonymement"
