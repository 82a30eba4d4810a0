"""Accounts in the Django admin. An administrator manages accounts and their roles, but never
the register's: its roles are granted on the « Habilitations au registre » page by two people
(register.designations), and nothing here lets an administrator become someone who holds them —
no password or e-mail change for them, no second-factor device created, changed or shown for
anyone, no deletion of an account that granted a role (it would cut the chain of grants that
register.designations reads)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from villesolidaire.accounts.enums import REGISTER_ROLES
from villesolidaire.accounts.models import RoleGrant, User
from villesolidaire.accounts.protections import ACCOUNT_PROTECTIONS, credentials_changed_by_admin
from villesolidaire.accounts.services import password_provisional


class RoleGrantInline(admin.TabularInline):
    """The roles an administrator may grant here: every role but the register's."""

    model = RoleGrant
    fk_name = "user"
    extra = 0
    readonly_fields = ["granted_at", "granted_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(role__in=REGISTER_ROLES)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [(value, label) for value, label in db_field.choices if value not in REGISTER_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class RegisterRoleGrantInline(admin.TabularInline):
    """Register roles, read only: they are granted and removed by two people with the mayor's
    decision, on the « Habilitations au registre » page (register.designations), never here."""

    model = RoleGrant
    fk_name = "user"
    extra = 0
    verbose_name = "rôle du registre (page « Habilitations au registre »)"
    verbose_name_plural = "rôles du registre (attribués et retirés sur la page « Habilitations au registre »)"
    fields = readonly_fields = ["role", "granted_at", "granted_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role__in=REGISTER_ROLES)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [RoleGrantInline, RegisterRoleGrantInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        ("Accès", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one account at a time, through has_delete_permission
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and RoleGrant.objects.filter(granted_by=obj).exists():
            return False  # deactivate it instead: the grants it made keep their author
        if _guarded(request, obj):
            return False  # its register role goes through a designation, not a cascade
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # The dates are facts, not settings: the approving officer is warned about an account
        # created in the last 90 days (register.designations), which a dated-back account hid.
        readonly = [*super().get_readonly_fields(request, obj), "last_login", "date_joined"]
        if _guarded(request, obj):
            # The e-mail: a password-reset e-mail would reach whoever changed it. Active: an
            # officer is removed through a designation, not switched off by one administrator.
            # The names: the approving officer matches them with the mayor's act.
            readonly += ["email", "is_active", "first_name", "last_name"]
        return readonly

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "email" in form.changed_data:
            # Sign-in notices and reset links follow the e-mail: whoever changed it may receive them.
            credentials_changed_by_admin.run(user=obj, by=request.user, what="email", request=request)
        if not change and obj.has_usable_password():
            # The administrator chose its password: until the person changes it, he can sign in
            # as them. The officer approving a designation for it is told (register.designations),
            # and the person replaces it before opening any staff page.
            password_provisional(obj)
            credentials_changed_by_admin.run(user=obj, by=request.user, what="password", request=request)

    def delete_model(self, request, obj):
        credentials_changed_by_admin.run(user=obj, by=request.user, what="deleted", request=request)
        super().delete_model(request, obj)

    def user_change_password(self, request, id, form_url=""):
        user = User.objects.filter(pk=id).first()
        if _guarded(request, user):
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and user is not None:
            if user.pk != request.user.pk:
                password_provisional(user)
            credentials_changed_by_admin.run(user=user, by=request.user, what="password", request=request)
        return response

    def save_formset(self, request, form, formset, change):
        grants = formset.save(commit=False)
        if any(grant.role in REGISTER_ROLES for grant in [*grants, *formset.deleted_objects]):
            raise PermissionDenied  # the choices already exclude them: only a forged form gets here
        role_changed = {obj.pk for obj, fields in formset.changed_objects if "role" in fields}
        for grant in grants:
            # A row whose role is changed is a new grant: it is this administrator's, from now
            # (register.designations follows granted_by; an empty one would hide who gave it).
            if not grant.pk or grant.pk in role_changed:
                grant.granted_by = request.user
                grant.granted_at = timezone.now()
            grant.save()
        for obj in formset.deleted_objects:
            obj.delete()


def _guarded(request, user: User | None) -> bool:
    """Someone else's account that opens the register, or is about to (ACCOUNT_PROTECTIONS): its
    password, e-mail, names and activity are not the administrator's to change, nor to delete."""
    if user is None or user.pk == request.user.pk:
        return False
    return RoleGrant.objects.filter(user=user, role__in=REGISTER_ROLES).exists() or any(
        protected(user) for protected in ACCOUNT_PROTECTIONS
    )


for device_model in (StaticDevice, TOTPDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


@admin.register(StaticDevice, TOTPDevice)
class SecondFactorDeviceAdmin(admin.ModelAdmin):
    """Second-factor devices are listed and deleted here (a lost phone: its owner pairs a new one
    at their next sign-in, with their password), never created, changed or shown: whoever sets a
    device's codes or reads its key signs in as its owner. django-otp's own admin pages (with the
    QR code of any device) are replaced by this one."""

    list_display = ["user", "name", "confirmed"]
    fields = readonly_fields = ["user", "name", "confirmed"]
    search_fields = ["user__email", "name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        if obj.user_id != request.user.pk:
            credentials_changed_by_admin.run(user=obj.user, by=request.user, what="second_factor", request=request)

    def delete_queryset(self, request, queryset):
        owners = {device.user for device in queryset.select_related("user")}
        super().delete_queryset(request, queryset)
        for user in owners - {request.user}:
            credentials_changed_by_admin.run(user=user, by=request.user, what="second_factor", request=request)
