"""The small form that links a request or a need to a crisis episode (or to none)."""

from django import forms

from villesolidaire.crises.models import Episode


class EpisodeLinkForm(forms.Form):
    episode = forms.ModelChoiceField(
        queryset=Episode.objects.all(),
        required=False,
        empty_label="Aucun épisode",
        label="Épisode de crise",
        error_messages={"invalid_choice": "Cet épisode n'existe pas : choisissez-en un dans la liste."},
    )

    def __init__(self, *args, current: Episode | None = None, **kwargs):
        super().__init__(*args, initial={"episode": current}, **kwargs)
