import django_filters
from django import forms

from villesolidaire.audit.models import AuditAction, AuditEntry

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class JournalFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("La date de début doit précéder la date de fin.")
        return data


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label="Action", choices=AuditAction.choices, empty_label="Toutes")
    object_type = django_filters.CharFilter(label="Type d'objet", lookup_expr="icontains", max_length=80)
    object_id = django_filters.CharFilter(label="Identifiant", max_length=40)
    actor = django_filters.CharFilter(
        label="Auteur·rice (nom ou e-mail)", field_name="actor_label", lookup_expr="icontains", max_length=120
    )
    since = django_filters.DateFilter(label="Depuis le", field_name="at", lookup_expr="date__gte", widget=DATE_INPUT)
    until = django_filters.DateFilter(label="Jusqu'au", field_name="at", lookup_expr="date__lte", widget=DATE_INPUT)

    class Meta:
        model = AuditEntry
        fields: list[str] = []
        form = JournalFilterForm
