import django_filters

from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.missions.enums import SupportStatus
from villesolidaire.missions.models import Support
from villesolidaire.volunteers.models import Volunteer


class SupportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="Statut", choices=SupportStatus.choices, empty_label="Tous")
    category = django_filters.ModelChoiceFilter(
        label="Catégorie",
        field_name="help_request__category",
        queryset=HelpCategory.objects.all(),
        empty_label="Toutes",
        error_messages={"invalid_choice": "Catégorie inconnue."},
    )
    volunteer = django_filters.CharFilter(label="Volontaire (nom)", method="filter_volunteer", max_length=80)

    class Meta:
        model = Support
        fields: list[str] = []

    def filter_volunteer(self, queryset, _name, value):
        return queryset.filter(volunteer__in=Volunteer.objects.search_name(value))
