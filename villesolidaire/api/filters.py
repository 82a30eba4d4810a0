"""The API's filters: the pages' FilterSets where they exist, plus what a synchronisation needs."""

import datetime

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from villesolidaire.core.validation import phone_e164
from villesolidaire.help_requests.filters import HelpRequestFilter
from villesolidaire.missions.filters import SupportFilter
from villesolidaire.needs.models import Need, NeedStatus
from villesolidaire.partners.models import Organisation, Service
from villesolidaire.residents.models import Resident
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import Volunteer

EMPTY_VALUE = "Valeur vide : omettez ce paramètre pour ne pas filtrer."
MAX_ID = 2**63 - 1  # the largest primary key a database holds: beyond, the query itself would fail


@extend_schema_field(
    {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": "Identifiant (nombre entier)."}
)
class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number a database column can hold (a larger one is a 400, not a 500)."""


def id_filter(field_name: str, label: str) -> IdFilter:
    return IdFilter(field_name=field_name, label=label, min_value=1, max_value=MAX_ID, decimal_places=0)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, handed to the database in UTC: PostgreSQL refuses offsets past ±15:59
    that Python reads, and a moment near year 9999 may not exist once moved to UTC."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError("Date hors des limites.", code="invalid") from None


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ApiHelpRequestFilter(HelpRequestFilter):
    category = django_filters.CharFilter(field_name="category__slug", label="Catégorie (code)", max_length=60)
    quartier = id_filter("resident__quartier", "Quartier (identifiant)")
    updated_since = UpdatedSinceFilter(field_name="updated_at", lookup_expr="gte", label="Modifiées depuis (ISO 8601)")


class ResidentFilter(django_filters.FilterSet):
    phone = django_filters.CharFilter(
        method="filter_phone", max_length=30, label="Téléphone (fixe ou mobile, toute écriture)"
    )
    q = django_filters.CharFilter(method="filter_name", max_length=80, label="Nom (recherche tolérante)")

    class Meta:
        model = Resident
        fields: list[str] = []

    def filter_phone(self, queryset, name: str, value: str):
        number = phone_e164(value)
        return queryset.matching_phone(number) if number else queryset.none()

    def filter_name(self, queryset, name: str, value: str):
        return queryset.matching_name(value)


class VolunteerFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(field_name="status", choices=VolunteerStatus.choices, label="Statut")
    quartier = id_filter("quartier", "Quartier (identifiant)")
    q = django_filters.CharFilter(method="filter_name", max_length=80, label="Nom")

    class Meta:
        model = Volunteer
        fields: list[str] = []

    def filter_name(self, queryset, name: str, value: str):
        return queryset.search_name(value)


class ApiSupportFilter(SupportFilter):
    category = django_filters.CharFilter(field_name="help_request__category__slug", max_length=60)


def _updated_since() -> UpdatedSinceFilter:
    return UpdatedSinceFilter(field_name="updated_at", lookup_expr="gte", label="Modifié·es depuis (ISO 8601)")


class NeedFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(field_name="status", choices=NeedStatus.choices, label="Statut")
    updated_since = _updated_since()

    class Meta:
        model = Need
        fields: list[str] = []


class OrganisationFilter(django_filters.FilterSet):
    updated_since = _updated_since()

    class Meta:
        model = Organisation
        fields: list[str] = []


class ServiceFilter(django_filters.FilterSet):
    updated_since = _updated_since()
    organisation = id_filter("organisation", "Organisation (identifiant)")

    class Meta:
        model = Service
        fields: list[str] = []


class ApiFilterBackend(DjangoFilterBackend):
    """The pages' FilterSets, with their forms' checks (a NUL character in a value is refused with
    the forms' French message, not dropped: the client meant something else). An empty value is
    refused for every filter but free text (a choice, a date, an id): the description does not
    allow it, and a client should leave the parameter out to mean « all »."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            empty = [
                name
                for name, found in filterset.filters.items()
                if not isinstance(found, django_filters.CharFilter) and filterset.data.get(name, None) == ""
            ]
            if empty:
                raise ValidationError({name: [EMPTY_VALUE] for name in empty})
        return filterset
