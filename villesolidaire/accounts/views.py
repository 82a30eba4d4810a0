from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from villesolidaire.accounts.forms import OwnPasswordChangeForm, SecondFactorForm, StaffLoginForm, TotpEnrolForm
from villesolidaire.accounts.perms import own_account_required, staff_account_required
from villesolidaire.accounts.services import password_change_by_owner
from villesolidaire.core.http import form_status, posted, safe_next
from villesolidaire.core.limits import refuse_form
from villesolidaire.core.tenancy import in_town


class StaffLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = False

    def get_success_url(self) -> str:
        target = super().get_success_url()
        if self.request.user.is_staff_member:
            return f"/comptes/verification/?{urlencode({'next': target})}"
        return target


def locked_out(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None) -> HttpResponse:
    """django-axes' answer once an e-mail has failed too often from one address (AXES_LOCKOUT_CALLABLE):
    the login page again with the e-mail typed, a French message, 429 and Retry-After."""
    email = (credentials or {}).get("username") or request.POST.get("username", "")
    form = StaffLoginForm(request, data={"username": email, "password": ""})
    form.errors.clear()  # the lock-out is the only thing to say; the password is never shown again
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
    # The host console of a multi-town deployment has its own sign-in page (no town around it).
    template = "accounts/login.html" if in_town() else "hosting/login.html"
    return refuse_form(request, template, {"form": form, "next": _safe_next(request)}, form=form, wait=wait)


def not_a_password_login(request: HttpRequest, credentials: dict | None) -> bool:
    """AXES_WHITELIST_CALLABLE: django-axes counts password logins only (a magic link has no user name)."""
    return not (credentials or {}).get("username")


def _safe_next(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next", ""), default="/")


@staff_account_required
def second_factor(request: HttpRequest) -> HttpResponse:
    if not any(devices_for_user(request.user, confirmed=True)):
        return redirect(f"/comptes/verification/activer/?{urlencode({'next': _safe_next(request)})}")
    form = SecondFactorForm(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        return redirect(_safe_next(request))
    return render(request, "accounts/second_factor.html", {"form": form, "next": _safe_next(request)})


@staff_account_required
def enrol_totp(request: HttpRequest) -> HttpResponse:
    """First sign-in of a staff member: pair an authenticator app with a QR code."""
    if any(devices_for_user(request.user, confirmed=True)):
        return redirect(f"/comptes/verification/?{urlencode({'next': _safe_next(request)})}")
    device, _ = TOTPDevice.objects.get_or_create(user=request.user, confirmed=False, defaults={"name": "Application"})
    form = TotpEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "La double authentification est activée sur ce compte.")
            return redirect(_safe_next(request))
        form.add_error("token", "Code incorrect. Vérifiez l'heure de votre téléphone et réessayez.")
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return render(
        request,
        "accounts/enrol_totp.html",
        {
            "form": form,
            "qr_svg": image.to_string(encoding="unicode"),
            "secret": _base32(device),
            "next": _safe_next(request),
        },
    )


def _base32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode()


class StaffLogoutView(auth_views.LogoutView):
    pass


@own_account_required
def password_change(request: HttpRequest) -> HttpResponse:
    """A staff member replaces their password: the one page a provisional password (chosen by an
    administrator or the host) opens, and the next page they asked for once it is replaced."""
    form = OwnPasswordChangeForm(request.user, posted(request))
    if form.is_valid():
        password_change_by_owner(form=form, request=request)
        messages.success(request, "Votre mot de passe est changé.")
        return redirect(_safe_next(request))
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "next": _safe_next(request), "provisional": request.user.password_is_provisional},
        status=form_status(form),
    )
