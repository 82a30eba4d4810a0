from django import forms

from villesolidaire.core.validation import date_field, within_date_bounds
from villesolidaire.reporting.selectors import FIGURES, Period

PERIOD_DATE_ERRORS = {"invalid": "Saisissez une date valide (jj/mm/aaaa)."}


class PeriodForm(forms.Form):
    """Optional period (inclusive dates) and the figure the charts show."""

    start = date_field("Du", error_messages=PERIOD_DATE_ERRORS, validators=[within_date_bounds])
    end = date_field("Au", error_messages=PERIOD_DATE_ERRORS, validators=[within_date_bounds])
    figure = forms.ChoiceField(label="Graphiques", choices=FIGURES, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError("La date de fin doit être postérieure ou égale à la date de début.")
        return cleaned

    def chosen_period(self) -> Period:
        """The chosen period; no period at all when the form is invalid."""
        if not self.is_valid():
            return Period()
        return Period(self.cleaned_data.get("start"), self.cleaned_data.get("end"))

    def chosen_figure(self) -> str:
        if self.is_valid() and self.cleaned_data.get("figure"):
            return self.cleaned_data["figure"]
        return FIGURES[3][0]
