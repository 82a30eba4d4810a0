"""The register transmitted to the préfet on request (R121-8)."""

from __future__ import annotations

from django import forms

from villesolidaire.core.validation import clean_text_fields
from villesolidaire.register.models import ExportFormat, PrefectTransmission


class ExportForm(forms.Form):
    episode = forms.ModelChoiceField(
        label="Épisode (plan d'alerte déclenché)",
        queryset=None,  # set in __init__
        empty_label="— choisir —",
        error_messages={
            "required": "Choisissez l'épisode pour lequel le préfet demande le registre.",
            "invalid_choice": "Cet épisode n'existe pas.",
        },
    )
    requested_by = forms.CharField(
        label="Demandé par (nom et service à la préfecture)",
        max_length=200,
        error_messages={"required": "Indiquez qui a demandé le registre à la préfecture."},
    )
    reason = forms.CharField(
        label="Motif de la demande",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indiquez le motif de la demande."},
    )
    format = forms.ChoiceField(
        label="Format",
        choices=ExportFormat.choices,
        widget=forms.RadioSelect,
        initial=ExportFormat.XLSX,
        error_messages={"invalid_choice": "Format inconnu."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every episode, read through the transmission's foreign key: the register sits below the
        # campaigns app (which declares episodes) and never imports it.
        self.fields["episode"].queryset = PrefectTransmission._meta.get_field("episode").related_model.objects.all()

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("requested_by", "reason"), multiline=("reason",))
        return cleaned
