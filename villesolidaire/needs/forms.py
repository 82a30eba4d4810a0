import datetime

from django import forms
from django.utils import timezone

from villesolidaire.core.choices import ENGAGEMENT_DOMAINS
from villesolidaire.core.validation import clean_text_fields, date_field, within_date_bounds
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.needs.feed_import import MAX_FEED_BYTES
from villesolidaire.needs.models import ApiDomain, Need, Remote
from villesolidaire.needs.moderation import TITLE_MISSING, normalise_title, title_problems
from villesolidaire.territory.forms import AddressFieldsMixin
from villesolidaire.trainings.models import TrainingModule
from villesolidaire.volunteers.models import Skill

TEXT_FIELDS = ("title", "description", "schedule")


class NeedForm(AddressFieldsMixin, forms.ModelForm):
    """A need's description and place. `organisations` limits who it may be posted for:
    a partner's own organisations, or every organisation plus the town for coordinators."""

    domain = forms.ChoiceField(
        label="Domaine d'engagement",
        choices=ENGAGEMENT_DOMAINS.choices,
        widget=forms.RadioSelect,
        help_text="Les volontaires qui ont choisi ce domaine sont prévenu·es.",
        error_messages={"required": "Choisissez un domaine.", "invalid_choice": "Ce domaine n'existe pas."},
    )
    api_domain = forms.ChoiceField(
        label="Domaine pour les plateformes nationales (API Engagement)",
        choices=ApiDomain.choices,
        initial=ApiDomain.SOLIDARITE,
        error_messages={"invalid_choice": "Ce domaine n'est pas dans la liste."},
    )
    remote = forms.ChoiceField(label="Sur place ou à distance", choices=Remote.choices, initial=Remote.NO)
    category = forms.ModelChoiceField(
        label="Catégorie d'aide (facultatif)",
        queryset=HelpCategory.objects.filter(is_active=True),
        required=False,
        help_text="Les volontaires qui acceptent cette catégorie sont aussi prévenu·es.",
        error_messages={"invalid_choice": "Cette catégorie n'existe pas."},
    )
    skills = forms.ModelMultipleChoiceField(
        label="Compétences souhaitées",
        queryset=Skill.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    trainings = forms.ModelMultipleChoiceField(
        label="Formations requises",
        queryset=TrainingModule.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Seul·es les volontaires ayant une formation valable sont prévenu·es et peuvent s'inscrire.",
    )

    class Meta:
        model = Need
        fields = [
            "organisation",
            "title",
            "description",
            "domain",
            "category",
            "skills",
            "trainings",
            "address",
            "address_complement",
            "postcode",
            "city",
            "api_domain",
            "remote",
            "schedule",
            "open_to_minors",
            "reduced_mobility_accessible",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"title": "Au moins deux mots, par exemple « Tri à la banque alimentaire »."}
        error_messages = {
            "title": {"required": TITLE_MISSING},
            "description": {"required": "Décrivez ce que feront les volontaires."},
            "organisation": {"invalid_choice": "Vous ne pouvez pas poster pour cette organisation."},
        }

    def __init__(self, *args, organisations, town_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = organisations
        field.required = not town_allowed
        field.empty_label = "La commune (besoin du CCAS)" if town_allowed else None
        field.label = "Posté par"
        field.error_messages["required"] = "Choisissez l'organisation."

    def clean_title(self):
        """API Engagement's title rules (needs.moderation), so that the feed is not refused there."""
        title = normalise_title(self.cleaned_data["title"])
        problems = title_problems(title)
        if problems:
            raise forms.ValidationError(problems)
        return title

    def clean(self):
        cleaned = super().clean()
        clean_text_fields(self, TEXT_FIELDS, multiline=("description",))
        return cleaned

    @property
    def address_changed(self) -> bool:
        return any(name in self.changed_data for name in self.address_field_names)


SHIFT_DATETIME_ERRORS = {
    "required": "Indiquez la date et l'heure.",
    "invalid": "Date et heure attendues (ex. 14/06/2025 09:00).",
}


class ShiftForm(forms.Form):
    day = date_field(
        "Jour",
        required=True,
        error_messages={"required": "Indiquez le jour.", "invalid": "Date attendue au format JJ/MM/AAAA."},
        validators=[within_date_bounds],
    )
    start = forms.TimeField(
        label="Début",
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"required": "Indiquez l'heure de début.", "invalid": "Heure attendue (ex. 09:00)."},
    )
    end = forms.TimeField(
        label="Fin",
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"required": "Indiquez l'heure de fin.", "invalid": "Heure attendue (ex. 12:00)."},
    )
    places = forms.IntegerField(
        label="Places",
        min_value=1,
        max_value=500,
        initial=5,
        error_messages={
            "required": "Indiquez le nombre de places.",
            "invalid": "Nombre entier attendu.",
            "min_value": "Au moins une place.",
            "max_value": "500 places au plus par créneau.",
        },
    )

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("day"), cleaned.get("start"), cleaned.get("end")
        if day and start and end:
            starts_at = timezone.make_aware(datetime.datetime.combine(day, start))
            ends_at = timezone.make_aware(datetime.datetime.combine(day, end))
            if ends_at <= starts_at:
                self.add_error("end", "La fin doit être après le début (un créneau tient dans une journée).")
            elif starts_at <= timezone.now():
                self.add_error("day", "Ce créneau serait dans le passé.")
            cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
        return cleaned


class AttendanceForm(forms.Form):
    attended = forms.TypedChoiceField(
        label="Présence",
        choices=[("1", "Présent·e"), ("0", "Absent·e")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez présent·e ou absent·e."},
    )
    hours = forms.DecimalField(
        label="Heures",
        required=False,
        min_value=0,
        max_value=24,
        decimal_places=2,
        help_text="Vide : la durée du créneau.",
        error_messages={
            "invalid": "Nombre d'heures attendu (ex. 2,5).",
            "min_value": "Pas d'heures négatives.",
            "max_value": "24 heures au plus.",
            "max_decimal_places": "Deux décimales au plus.",
        },
    )


class FeedUploadForm(forms.Form):
    feed = forms.FileField(
        label="Fichier XML (format API Engagement)",
        error_messages={"required": "Choisissez un fichier.", "empty": "Le fichier est vide."},
    )

    source = forms.CharField(
        label="Nom du flux (facultatif)",
        max_length=120,
        required=False,
        help_text=(
            "Par défaut, l'éditeur nommé dans le fichier (<publisher>). Les missions d'un import précédent "
            "du même flux qui n'y figurent plus sont retirées."
        ),
    )

    def clean_feed(self):
        upload = self.cleaned_data["feed"]
        if upload.size > MAX_FEED_BYTES:
            raise forms.ValidationError("Le fichier dépasse 20 Mo.")
        return upload


class NotificationDecisionForm(forms.Form):
    """A coordinator's answer to a partner's send waiting for approval."""

    APPROVE, REFUSE = "valider", "refuser"
    decision = forms.ChoiceField(
        label="Décision",
        choices=[(APPROVE, "Valider l'envoi"), (REFUSE, "Refuser l'envoi")],
        error_messages={
            "required": "Choisissez de valider ou de refuser.",
            "invalid_choice": "Décision non reconnue.",
        },
    )
    reason = forms.CharField(
        label="Motif (obligatoire pour un refus, transmis au partenaire)",
        required=False,
        max_length=300,
        error_messages={"max_length": "300 caractères au plus."},
    )
