from django import forms

from villesolidaire.notifications.models import Channel, Message, MessageStatus


class MessageFilterForm(forms.Form):
    """Filters of the message log. Unknown values are reported, never a 500."""

    status = forms.ChoiceField(label="Statut", required=False, choices=[("", "Tous")] + MessageStatus.choices)
    channel = forms.ChoiceField(label="Canal", required=False, choices=[("", "Tous")] + Channel.choices)
    kind = forms.ChoiceField(label="Type de message", required=False)

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Tous")] + [(kind, kind) for kind in kinds]

    def filter(self, messages):
        if not self.is_valid():
            return messages
        for name in ("status", "channel", "kind"):
            if self.cleaned_data.get(name):
                messages = messages.filter(**{name: self.cleaned_data[name]})
        return messages

    @staticmethod
    def known_kinds() -> list[str]:
        return list(Message.objects.order_by("kind").values_list("kind", flat=True).distinct())


class CallOutcomeForm(forms.Form):
    outcome = forms.CharField(
        label="Résultat de l'appel",
        max_length=500,
        strip=True,
        help_text="Par exemple : « Informée, le volontaire passe jeudi » ou « Pas de réponse, message laissé ».",
        error_messages={"required": "Notez en quelques mots le résultat de l'appel."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
