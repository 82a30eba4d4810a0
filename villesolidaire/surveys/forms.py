import datetime

from django import forms
from django.utils import timezone

from villesolidaire.core.validation import date_field, within_date_bounds
from villesolidaire.missions.forms import EvaluationForm, PlainTextField
from villesolidaire.surveys.enums import SIGNATURES


class WaveForm(forms.Form):
    period_start = date_field("Période du", required=True, validators=[within_date_bounds])
    period_end = date_field("au", required=True, validators=[within_date_bounds])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", "La fin de la période doit suivre son début.")
        if start and start > timezone.localdate():
            self.add_error("period_start", "La période n'a pas commencé : on interroge sur ce qui a eu lieu.")
        return cleaned


def last_month() -> tuple[datetime.date, datetime.date]:
    first_of_this = timezone.localdate().replace(day=1)
    end = first_of_this - datetime.timedelta(days=1)
    return end.replace(day=1), end


class VolunteerSurveyForm(EvaluationForm):
    """The volunteer's questionnaire: the end-of-support questions, about the period's missions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].label = "Êtes-vous satisfait·e de vos missions de volontaire ?"
        self.fields["usefulness"].label = "Vos missions vous ont-elles semblé utiles ? (facultatif)"
        self.fields["usefulness"].help_text = ""
        self.fields["kept_link"].label = "Gardez-vous un lien avec une personne aidée ? (facultatif)"
        self.fields["kept_link"].help_text = ""


class ResidentSurveyForm(EvaluationForm):
    """Typed by the operator during the call: the resident's answers, read aloud."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].label = "Satisfaction de l'aide reçue"
        self.fields["usefulness"].label = "Utilité de l'aide reçue (facultatif)"
        self.fields["usefulness"].help_text = ""
        self.fields["kept_link"].label = "Garde un lien avec son ou sa volontaire (facultatif)"
        self.fields["kept_link"].help_text = ""
        self.fields["quote_consent"].label = "La personne accepte que son commentaire soit cité anonymement"
        self.fields["quote_consent"].help_text = ""


class QuoteForm(forms.Form):
    text = PlainTextField(
        label="Texte anonymisé cité dans le bilan",
        required=False,
        max_length=600,
        multiline=True,
        help_text=(
            "Sans aucun nom, prénom, adresse ni détail qui permette de reconnaître quelqu'un. 600 caractères au plus."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 600}),
        error_messages={"max_length": "600 caractères au plus."},
    )
    signature = forms.ChoiceField(
        label="Signée",
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez une signature.", "invalid_choice": "Choisissez une signature."},
    )
    selected = forms.BooleanField(label="Retenir cette citation pour le bilan", required=False)

    def __init__(self, *args, side: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signature"].choices = [(s, f"« {s} »") for s in SIGNATURES[side]]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("selected") and not cleaned.get("text") and "text" not in self.errors:
            self.add_error("text", "Écrivez le texte anonymisé avant de retenir la citation.")
        return cleaned


class QuoteFilterForm(forms.Form):
    etat = forms.ChoiceField(
        label="Afficher",
        required=False,
        choices=[("", "Toutes"), ("a-relire", "À relire"), ("retenues", "Retenues pour le bilan")],
        error_messages={"invalid_choice": "Choix inconnu : toutes les citations sont affichées."},
    )


class PeriodForm(forms.Form):
    du = date_field("Du", required=True, validators=[within_date_bounds])
    au = date_field("Au", required=True, validators=[within_date_bounds])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("du") and cleaned.get("au") and cleaned["du"] > cleaned["au"]:
            self.add_error("au", "La fin de la période doit suivre son début.")
        return cleaned
