import django_filters

from villesolidaire.core.filters import FormFieldFilter
from villesolidaire.residents.forms import ResidentSearchForm
from villesolidaire.residents.models import Resident

SEARCH_FIELDS = ResidentSearchForm.base_fields


class ResidentFilter(django_filters.FilterSet):
    """The staff list: the intake's search (phone or name, optional birth year)."""

    q = FormFieldFilter(SEARCH_FIELDS["q"], method="filter_search")
    # Narrows the name search only: alone, it filters nothing (see filter_search).
    birth_year = FormFieldFilter(SEARCH_FIELDS["birth_year"], method="filter_nothing")

    class Meta:
        model = Resident
        fields: list[str] = []
        form = ResidentSearchForm  # its clean_q normalises the spaces

    def filter_search(self, queryset, _name, value: str):
        return queryset.search(value, self.form.cleaned_data.get("birth_year"))

    def filter_nothing(self, queryset, _name, _value):
        return queryset
