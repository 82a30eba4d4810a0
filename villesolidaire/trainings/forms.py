from django import forms
from django.utils import timezone

from villesolidaire.core.validation import clean_text, date_field
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.trainings.models import TrainingMode, TrainingModule, TrainingSession

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]
DATETIME_ERRORS = {
    "required": "Indiquez la date et l'heure.",
    "invalid": "Date et heure attendues, par exemple 12/03/2026 14:30.",
}


def _datetime_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        error_messages=DATETIME_ERRORS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _https_url(field, **kwargs):
    """Model URL fields as form fields that assume https:// when the scheme is left out."""
    return field.formfield(assume_scheme="https", **kwargs)


class TrainingModuleForm(forms.ModelForm):
    required_for_categories = forms.ModelMultipleChoiceField(
        label="Exigée pour les aides",
        required=False,
        queryset=HelpCategory.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        help_text="Seul·es les volontaires qui ont suivi ce module, et dont la formation est encore valable, "
        "seront proposé·es pour ces aides.",
        error_messages={"invalid_choice": "Une des aides choisies n'existe plus : rechargez la page."},
    )

    class Meta:
        model = TrainingModule
        fields = ["title", "description", "mode", "duration_minutes", "link", "validity_months", "is_active"]
        formfield_callback = lambda field, **kwargs: (  # noqa: E731
            _https_url(field, **kwargs) if field.name == "link" else field.formfield(**kwargs)
        )
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "mode": forms.RadioSelect}
        error_messages = {
            "title": {"required": "Indiquez l'intitulé du module."},
            "duration_minutes": {"invalid": "Indiquez une durée en minutes, par exemple 60."},
            "link": {"invalid": "Indiquez une adresse web complète, commençant par https://."},
            "validity_months": {"invalid": "Indiquez un nombre de mois, ou laissez vide."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["required_for_categories"].initial = list(self.instance.required_for_categories.all())
        self.fields["duration_minutes"].min_value = 5
        self.fields["validity_months"].widget.attrs["min"] = 1

    def clean_title(self):
        return clean_text(self.cleaned_data["title"])

    def clean_description(self):
        return clean_text(self.cleaned_data["description"], multiline=True)

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if minutes is None or not 5 <= minutes <= 24 * 60:
            raise forms.ValidationError("La durée va de 5 minutes à 24 heures (1440 minutes).")
        return minutes

    def clean_validity_months(self):
        months = self.cleaned_data["validity_months"]
        if months is not None and not 1 <= months <= 240:
            raise forms.ValidationError("La validité va de 1 à 240 mois, ou reste vide (sans limite).")
        return months

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mode") == TrainingMode.ONLINE and not cleaned.get("link") and "link" not in self.errors:
            self.add_error("link", "Un module en ligne a besoin du lien où le suivre.")
        return cleaned


class TrainingSessionForm(forms.ModelForm):
    starts_at = _datetime_field("Début")
    ends_at = _datetime_field("Fin")

    class Meta:
        model = TrainingSession
        fields = ["starts_at", "ends_at", "place", "online_link", "capacity"]
        formfield_callback = lambda field, **kwargs: (  # noqa: E731
            _https_url(field, **kwargs) if field.name == "online_link" else field.formfield(**kwargs)
        )
        error_messages = {
            "capacity": {
                "invalid": "Indiquez un nombre de places.",
                "min_value": "Au moins 1 place.",
                "max_value": "500 places au plus.",
                "required": "Indiquez le nombre de places.",
            },
            "online_link": {"invalid": "Indiquez une adresse web complète, commençant par https://."},
        }

    def __init__(self, *args, module: TrainingModule, **kwargs):
        super().__init__(*args, **kwargs)
        self.module = module

    def clean_place(self):
        return clean_text(self.cleaned_data["place"])

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "La fin doit venir après le début.")
        if starts and not self.instance.pk and starts <= timezone.now():
            self.add_error("starts_at", "Une nouvelle session se prévoit dans le futur.")
        if not cleaned.get("place") and not cleaned.get("online_link") and "online_link" not in self.errors:
            self.add_error(
                "place" if self.module.mode == TrainingMode.IN_PERSON else "online_link",
                "Indiquez le lieu de la session ou, à distance, le lien de la visioconférence.",
            )
        return cleaned


class VolunteerSearchForm(forms.Form):
    q = forms.CharField(label="Nom du ou de la volontaire", max_length=80, required=False)


class VolunteerChoiceForm(forms.Form):
    """Volunteers ticked among the search results (ids checked against a scoped queryset)."""

    volunteers = forms.TypedMultipleChoiceField(
        label="Volontaires",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Cochez au moins un·e volontaire.",
            "invalid_choice": "Un·e des volontaires choisi·es n'est plus disponible : relancez la recherche.",
        },
    )

    def __init__(self, *args, volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteers"].choices = [(v.pk, str(v)) for v in volunteers]


class CompletionForm(forms.Form):
    completed_on = date_field(
        "Suivi le",
        required=True,
        error_messages={"required": "Indiquez la date.", "invalid": "Date attendue, par exemple 12/03/2026."},
    )


class CancelSessionForm(forms.Form):
    note = forms.CharField(label="Motif (facultatif)", max_length=300, required=False)

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])


class AttendanceForm(forms.Form):
    """One "présent / absent" radio group per registration (works without JavaScript)."""

    CHOICES = [("present", "Présent·e"), ("absent", "Absent·e")]

    def __init__(self, *args, registrations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.registrations = list(registrations)
        for registration in self.registrations:
            initial = {"attended": "present", "absent": "absent"}.get(registration.status)
            self.fields[self.field_name(registration)] = forms.ChoiceField(
                label=str(registration.volunteer),
                choices=self.CHOICES,
                widget=forms.RadioSelect,
                initial=initial,
                required=False,
                error_messages={"invalid_choice": "Choisissez « Présent·e » ou « Absent·e »."},
            )

    @staticmethod
    def field_name(registration) -> str:
        return f"presence_{registration.pk}"

    def rows(self):
        return [(registration, self[self.field_name(registration)]) for registration in self.registrations]

    def presence(self) -> dict[int, bool]:
        """{registration id: present} for the rows answered; unanswered rows are left as they are."""
        return {
            registration.pk: self.cleaned_data[self.field_name(registration)] == "present"
            for registration in self.registrations
            if self.cleaned_data.get(self.field_name(registration))
        }

    def clean(self):
        cleaned = super().clean()
        if self.registrations and not any(cleaned.get(self.field_name(r)) for r in self.registrations):
            raise forms.ValidationError("Indiquez la présence d'au moins une personne.")
        return cleaned


class ModuleChoiceForm(forms.Form):
    """The module whose next session the volunteers chosen on the volunteers' list are invited to."""

    module = forms.ModelChoiceField(
        label="Formation",
        queryset=TrainingModule.objects.order_by("title"),
        empty_label="Choisir une formation",
        error_messages={"required": "Choisissez une formation.", "invalid_choice": "Formation inconnue."},
    )
