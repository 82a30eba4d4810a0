from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django_otp import devices_for_user


class StaffLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse e-mail", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        label="Mot de passe", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        "invalid_login": "Adresse e-mail ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


class SecondFactorForm(forms.Form):
    """One field: the code is tried against each confirmed device of the user (authenticator
    app or single-use backup codes). Devices throttle repeated failures themselves."""

    otp_token = forms.CharField(
        label="Code de vérification",
        help_text="Le code à 6 chiffres de votre application d'authentification, ou un code de secours.",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_otp_token(self) -> str:
        token = self.cleaned_data["otp_token"].strip().replace(" ", "")
        throttled = False
        for device in devices_for_user(self.user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if device.verify_token(token):
                self.device = device
                return token
        if throttled:
            raise forms.ValidationError("Trop d'essais infructueux. Patientez quelques secondes puis réessayez.")
        raise forms.ValidationError("Code invalide ou expiré. Vérifiez-le et réessayez.")


class TotpEnrolForm(forms.Form):
    token = forms.CharField(
        label="Code affiché par l'application",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's form (current password, then the new one twice, checked by AUTH_PASSWORD_VALIDATORS),
    with the project's French labels and messages."""

    error_messages = {
        "password_mismatch": "Les deux mots de passe ne sont pas identiques.",
        "password_incorrect": "Mot de passe actuel incorrect.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Mot de passe actuel"
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password2"].label = "Nouveau mot de passe, à nouveau"
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        # Django's help is an HTML list: the field template shows a sentence that the field names
        # with aria-describedby.
        self.fields["new_password1"].help_text = " ".join(password_validators_help_texts())

    def clean_new_password1(self) -> str:
        password = self.cleaned_data["new_password1"]
        if self.user.check_password(password):
            # A provisional password kept would stay known to whoever chose it.
            raise forms.ValidationError("Choisissez un mot de passe différent de l'actuel.")
        return password
