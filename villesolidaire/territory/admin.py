from django import forms
from django.contrib import admin

from villesolidaire.accounts.enums import Role
from villesolidaire.territory.models import BanAddress, Commune, Quartier, QuartierScope, Town
from villesolidaire.territory.scopes import remove_quartier_scope, set_quartier_scope


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["name", "insee_code", "programme_name"]

    def has_add_permission(self, request) -> bool:
        return not Town.objects.exists()


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    """The communes an intercommunal service serves (a town's own CCAS has none)."""

    list_display = ["name", "insee_code"]
    search_fields = ["name", "insee_code"]


@admin.register(Quartier)
class QuartierAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "commune"]
    list_filter = ["commune"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(BanAddress)
class BanAddressAdmin(admin.ModelAdmin):
    list_display = ["ban_id", "numero", "rep", "nom_voie", "code_postal", "nom_commune"]
    search_fields = ["search_text", "ban_id"]
    list_filter = ["code_insee"]


class QuartierScopeForm(forms.ModelForm):
    class Meta:
        model = QuartierScope
        fields = ["user", "communes", "quartiers"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("quartiers") and not cleaned.get("communes"):
            raise forms.ValidationError(
                "Choisissez au moins un quartier ou une commune : sans eux, la personne ne verrait plus rien. "
                "Pour lui rendre toute la commune, supprimez plutôt ce périmètre."
            )
        return cleaned

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user.has_role(Role.ADMIN):
            raise forms.ValidationError(
                "Un·e administrateur·rice agit sur toute la commune : retirez d'abord ce rôle."
            )
        return user


@admin.register(QuartierScope)
class QuartierScopeAdmin(admin.ModelAdmin):
    """Limits a person's staff roles to some quartiers, through territory.scopes (journaled)."""

    form = QuartierScopeForm
    list_display = ["user", "quartier_names", "updated_at"]
    filter_horizontal = ["communes", "quartiers"]
    raw_id_fields = ["user"]

    @admin.display(description="quartiers")
    def quartier_names(self, obj: QuartierScope) -> str:
        places = [f"commune {c.name}" for c in obj.communes.all()] + [q.name for q in obj.quartiers.all()]
        return ", ".join(places) or "aucun"

    def save_model(self, request, obj, form, change) -> None:
        scope = set_quartier_scope(
            form.cleaned_data["user"],
            form.cleaned_data["quartiers"],
            communes=form.cleaned_data["communes"],
            by=request.user,
        )
        obj.pk = scope.pk

    def save_related(self, request, form, formsets, change) -> None:
        """The quartiers were set by the service in save_model."""

    def delete_model(self, request, obj: QuartierScope) -> None:
        remove_quartier_scope(obj.user, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for scope in queryset.select_related("user"):
            remove_quartier_scope(scope.user, by=request.user)
