from django import forms

from villesolidaire.audit.models import AuditAction


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "Toutes")] + AuditAction.choices)
    object_type = forms.CharField(label="Type d'objet", required=False, max_length=80)
    object_id = forms.CharField(label="Identifiant", required=False, max_length=40)
    actor = forms.CharField(label="Auteur·rice (nom ou e-mail)", required=False, max_length=120)
    since = forms.DateField(label="Depuis le", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="Jusqu'au", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("La date de début doit précéder la date de fin.")
        return data

    def filter(self, rows):
        if not self.is_bound or not self.is_valid():
            return rows
        data = self.cleaned_data
        if data["action"]:
            rows = rows.filter(action=data["action"])
        if data["object_type"]:
            rows = rows.filter(object_type__icontains=data["object_type"])
        if data["object_id"]:
            rows = rows.filter(object_id=data["object_id"])
        if data["actor"]:
            rows = rows.filter(actor_label__icontains=data["actor"])
        if data["since"]:
            rows = rows.filter(at__date__gte=data["since"])
        if data["until"]:
            rows = rows.filter(at__date__lte=data["until"])
        return rows
