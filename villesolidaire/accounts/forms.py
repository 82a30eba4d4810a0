from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django_otp.forms import OTPTokenForm


class StaffLoginForm(AuthenticationForm):
    username = forms.EmailField(label="Adresse e-mail", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    password = forms.CharField(label="Mot de passe", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    error_messages = {
        "invalid_login": "Adresse e-mail ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


class SecondFactorForm(OTPTokenForm):
    """Code from the authenticator app, or a single-use backup code."""

    otp_token = forms.CharField(
        label="Code de vérification",
        help_text="Le code à 6 chiffres de votre application d'authentification, ou un code de secours.",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    otp_error_messages = {
        **OTPTokenForm.otp_error_messages,
        "token_required": "Saisissez votre code de vérification.",
        "invalid_token": "Code invalide ou expiré. Vérifiez-le et réessayez.",
        "n_failed_attempts": "Trop d'essais infructueux (%(failure_count)d). Patientez quelques secondes puis réessayez.",
        "verification_not_allowed": "La vérification est momentanément bloquée. Réessayez dans un instant.",
    }

    def __init__(self, user, request=None, *args, **kwargs):
        super().__init__(user, request, *args, **kwargs)
        # One field only: the code is matched against every device of the user.
        self.fields["otp_device"].widget = forms.HiddenInput()
        self.fields["otp_device"].required = False
        self.fields["otp_challenge"].widget = forms.HiddenInput()


class TotpEnrolForm(forms.Form):
    token = forms.CharField(label="Code affiché par l'application", max_length=8,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
