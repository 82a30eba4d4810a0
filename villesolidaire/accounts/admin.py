from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied

from villesolidaire.accounts.enums import REGISTER_ROLES
from villesolidaire.accounts.models import RoleGrant, User


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

    def save_formset(self, request, form, formset, change):
        grants = formset.save(commit=False)
        if any(grant.role in REGISTER_ROLES for grant in [*grants, *formset.deleted_objects]):
            raise PermissionDenied  # the choices already exclude them: only a forged form gets here
        for grant in grants:
            if not grant.pk:
                grant.granted_by = request.user
            grant.save()
        for obj in formset.deleted_objects:
            obj.delete()
