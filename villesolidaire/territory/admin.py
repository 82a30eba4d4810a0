from django.contrib import admin

from villesolidaire.territory.models import BanAddress, Quartier, Town


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["name", "insee_code", "programme_name"]

    def has_add_permission(self, request) -> bool:
        return not Town.objects.exists()


@admin.register(Quartier)
class QuartierAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(BanAddress)
class BanAddressAdmin(admin.ModelAdmin):
    list_display = ["ban_id", "numero", "rep", "nom_voie", "code_postal", "nom_commune"]
    search_fields = ["search_text", "ban_id"]
    list_filter = ["code_insee"]
