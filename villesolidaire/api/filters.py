"""The API's filters: the pages' FilterSets where they exist, plus what a synchronisation needs."""

import django_filters

from villesolidaire.core.validation import phone_e164
from villesolidaire.help_requests.filters import HelpRequestFilter
from villesolidaire.missions.filters import SupportFilter
from villesolidaire.needs.models import Need
from villesolidaire.partners.models import Organisation, Service
from villesolidaire.residents.models import Resident
from villesolidaire.volunteers.models import Volunteer


class ApiHelpRequestFilter(HelpRequestFilter):
    category = django_filters.CharFilter(field_name="category__slug", label="Catégorie (code)", max_length=60)
    quartier = django_filters.NumberFilter(field_name="resident__quartier", label="Quartier (identifiant)")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Modifiées depuis (ISO 8601)"
    )


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
    status = django_filters.CharFilter(field_name="status", max_length=12, label="Statut")
    quartier = django_filters.NumberFilter(field_name="quartier", label="Quartier (identifiant)")
    q = django_filters.CharFilter(method="filter_name", max_length=80, label="Nom")

    class Meta:
        model = Volunteer
        fields: list[str] = []

    def filter_name(self, queryset, name: str, value: str):
        return queryset.search_name(value)


class ApiSupportFilter(SupportFilter):
    category = django_filters.CharFilter(field_name="help_request__category__slug", max_length=60)


def _updated_since() -> django_filters.IsoDateTimeFilter:
    return django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Modifié·es depuis (ISO 8601)"
    )


class NeedFilter(django_filters.FilterSet):
    status = django_filters.CharFilter(field_name="status", max_length=12, label="Statut")
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
    organisation = django_filters.NumberFilter(field_name="organisation", label="Organisation (identifiant)")

    class Meta:
        model = Service
        fields: list[str] = []
