import django_filters

from villesolidaire.needs.models import Need, NeedStatus


class NeedFilter(django_filters.FilterSet):
    statut = django_filters.ChoiceFilter(
        label="Statut", field_name="status", choices=NeedStatus.choices, empty_label="Tous"
    )

    class Meta:
        model = Need
        fields: list[str] = []
