from django import forms


class CallOutcomeForm(forms.Form):
    outcome = forms.CharField(
        label="Résultat de l'appel",
        max_length=500,
        strip=True,
        help_text="Par exemple : « Informée, le volontaire passe jeudi » ou « Pas de réponse, message laissé ».",
        error_messages={"required": "Notez en quelques mots le résultat de l'appel."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
