import datetime

from django import forms
from django.utils import timezone

from villesolidaire.core.validation import date_field, within_date_bounds
from villesolidaire.reporting.bilan import (
    CUSTOM,
    ChosenPeriod,
    custom_period,
    preset_periods,
    within_commune,
    year_period,
)
from villesolidaire.reporting.models import BilanIntroduction
from villesolidaire.reporting.selectors import FIGURES, MISSIONS_DONE
from villesolidaire.territory.models import Commune

PERIOD_DATE_ERRORS = {"invalid": "Saisissez une date valide (jj/mm/aaaa)."}


class BilanForm(forms.Form):
    """The period of the bilan (a preset or typed dates), the comparison and the charts' figure.

    With no choice at all, the bilan is the current year's, compared with the year before."""

    period = forms.ChoiceField(
        label="Période",
        required=False,
        error_messages={"invalid_choice": "Cette période n'existe pas : choisissez-en une dans la liste."},
    )
    start = date_field("Du", error_messages=PERIOD_DATE_ERRORS, validators=[within_date_bounds])
    end = date_field("Au", error_messages=PERIOD_DATE_ERRORS, validators=[within_date_bounds])
    compare = forms.BooleanField(label="Comparer avec la même période un an plus tôt", required=False)
    figure = forms.ChoiceField(label="Graphiques par catégorie, quartier et mois", choices=FIGURES, required=False)
    # An intercommunal service's bilan, for one of its communes or for the whole (issue 13).
    commune = forms.ModelChoiceField(
        label="Commune",
        queryset=Commune.objects.all(),
        required=False,
        empty_label="Toutes les communes",
        error_messages={"invalid_choice": "Cette commune n'existe pas : choisissez-en une dans la liste."},
    )

    def __init__(self, data=None, *, today: datetime.date | None = None):
        self.today = today or timezone.localdate()
        submitted = bool(data)
        super().__init__(
            data if submitted else None,
            initial={"compare": True, "period": f"annee-{self.today.year}", "figure": MISSIONS_DONE},
        )
        grouped = preset_periods(self.today)
        self.presets = {chosen.key: chosen for _group, periods in grouped for chosen in periods}
        # A town's own CCAS serves one commune: no choice to offer (one query).
        if not Commune.objects.exists():
            del self.fields["commune"]
        self.fields["period"].choices = [
            *[(group, [(chosen.key, chosen.title) for chosen in periods]) for group, periods in grouped],
            ("Autre", [(CUSTOM, "Dates choisies ci-dessous")]),
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError("La date de fin doit être postérieure ou égale à la date de début.")
        if cleaned.get("period") == CUSTOM and not (start or end):
            self.add_error("start", "Indiquez au moins une date pour choisir vos propres dates.")
        elif start or end:
            # Typed dates win over the list, which then says so: nobody reads a year believing it
            # is the months they typed.
            cleaned["period"] = CUSTOM
            self.data = self.data.copy()
            self.data["period"] = CUSTOM
        return cleaned

    def knows(self, key: str) -> bool:
        """Whether `key` names a period this chooser offers (typed dates always exist)."""
        return key in self.presets or key.startswith(f"{CUSTOM}-")

    def is_refused(self) -> bool:
        """A period was asked for and the form refuses it: its figures are never shown."""
        return self.is_bound and not self.is_valid()

    def chosen(self) -> ChosenPeriod:
        """The chosen period (for the chosen commune, if any); the current year when nothing (or
        nothing valid) is chosen."""
        if not self.is_bound or not self.is_valid():
            return year_period(self.today.year)
        return within_commune(self._chosen_period(), self.cleaned_data.get("commune"))

    def _chosen_period(self) -> ChosenPeriod:
        key = self.cleaned_data.get("period")
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        if key == CUSTOM or (not key and (start or end)):
            return custom_period(start, end)
        return self.presets.get(key) or year_period(self.today.year)

    def wants_comparison(self) -> bool:
        if not self.is_bound:
            return True
        return self.is_valid() and bool(self.cleaned_data.get("compare"))

    def chosen_figure(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("figure"):
            return self.cleaned_data["figure"]
        return MISSIONS_DONE


class IntroductionForm(forms.ModelForm):
    class Meta:
        model = BilanIntroduction
        fields = ["text"]
        labels = {"text": "Introduction du bilan"}
        help_texts = {"text": "Quelques lignes du CCAS, imprimées en tête du bilan (4 000 caractères au plus)."}
        widgets = {"text": forms.Textarea(attrs={"rows": 6, "maxlength": 4000})}
