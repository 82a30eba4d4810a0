from django import forms
from django_otp.forms import OTPAuthenticationForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class HostLoginForm(OTPAuthenticationForm):
    """A host operator's password and the code of their authenticator app, in one step.

    Host operators have an authenticator app (TOTP) set up by `create_host_operator`, and may have
    backup codes (`addstatictoken`): a 6-digit code is checked against the app, anything else
    against the backup codes, so no device has to be chosen.
    """

    otp_error_messages = dict(
        OTPAuthenticationForm.otp_error_messages,
        token_required="Saisissez le code à 6 chiffres de votre application d'authentification.",
        invalid_token="Code d'authentification incorrect : saisissez le code affiché en ce moment.",
        device_required="Aucune application d'authentification n'est associée à ce compte.",
        verification_not_allowed="Vérification momentanément bloquée après des essais répétés : réessayez plus tard.",
    )
    error_messages = dict(
        OTPAuthenticationForm.error_messages,
        invalid_login="Adresse e-mail, mot de passe ou code incorrect.",
        inactive="Ce compte est désactivé.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Adresse e-mail"
        self.fields["password"].label = "Mot de passe"
        self.fields["otp_token"].label = "Code d'authentification (6 chiffres) ou code de secours"
        self.fields["otp_token"].widget = forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        )
        del self.fields["otp_device"]
        del self.fields["otp_challenge"]

    def _chosen_device(self, user):
        token = (self.cleaned_data.get("otp_token") or "").strip()
        devices = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
        return devices.objects.devices_for_user(user, confirmed=True).first()
