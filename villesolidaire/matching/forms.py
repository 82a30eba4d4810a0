from django import forms

from villesolidaire.missions.forms import PlainTextField


class ProposeForm(forms.Form):
    """Choose volunteers among the ranked candidates shown on the matching page."""

    volunteers = forms.TypedMultipleChoiceField(
        label="Volontaires à solliciter",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choisissez au moins un·e volontaire.",
            "invalid_choice": (
                "Un·e des volontaires choisi·es n'est plus disponible pour cette demande : vérifiez la liste à jour."
            ),
        },
    )
    message = PlainTextField(
        label="Message aux volontaires (facultatif)",
        required=False,
        max_length=300,
        multiline=True,
        help_text=(
            "300 caractères au plus. Il figure dans l'e-mail et sur la page de la demande que le lien ouvre ; "
            "le SMS, trop court, ne le reprend pas."
        ),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
        error_messages={"max_length": "300 caractères au plus."},
    )
    widen = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteers"].choices = [(c.volunteer_id, str(c.volunteer_id)) for c in candidates]
