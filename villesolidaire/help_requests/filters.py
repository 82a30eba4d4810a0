import django_filters
from django import forms

from villesolidaire.core.text import tokens
from villesolidaire.help_requests.enums import Channel, Status, Urgency
from villesolidaire.help_requests.models import HelpCategory, HelpRequest
from villesolidaire.territory.models import Quartier

OPEN, CLOSED = "open", "closed"
URGENT_TODO = "urgent"


class HelpRequestFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label="En cours ou clôturées",
        choices=[(OPEN, "En cours"), (CLOSED, "Clôturées")],
        empty_label="Toutes",
        method="filter_state",
    )
    status = django_filters.ChoiceFilter(label="Statut", choices=Status.choices, empty_label="Tous")
    category = django_filters.ModelChoiceFilter(
        label="Catégorie", queryset=HelpCategory.objects.only("id", "name"), empty_label="Toutes"
    )
    quartier = django_filters.ModelChoiceFilter(
        label="Quartier",
        field_name="resident__quartier",
        queryset=Quartier.objects.only("id", "name"),
        empty_label="Tous",
    )
    urgency = django_filters.ChoiceFilter(label="Urgence", choices=Urgency.choices, empty_label="Toutes")
    channel = django_filters.ChoiceFilter(label="Canal", choices=Channel.choices, empty_label="Tous")
    todo = django_filters.ChoiceFilter(
        label="À traiter",
        choices=[(URGENT_TODO, "Urgentes sans volontaire")],
        empty_label="Toutes",
        method="filter_todo",
    )
    q = django_filters.CharFilter(
        label="Nom de l'habitant·e",
        method="filter_name",
        max_length=80,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    class Meta:
        model = HelpRequest
        fields: list[str] = []

    def filter_state(self, queryset, name: str, value: str):
        return queryset.open() if value == OPEN else queryset.filter(status=Status.CLOSED)

    def filter_todo(self, queryset, name: str, value: str):
        return queryset.urgent_not_handled() if value == URGENT_TODO else queryset

    def filter_name(self, queryset, name: str, value: str):
        for word in tokens(value)[:4]:
            queryset = queryset.filter(resident__search_name__contains=word)
        return queryset
