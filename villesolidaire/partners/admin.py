from django.contrib import admin

from villesolidaire.partners.models import Organisation, OrganisationMember, PendingChange, Service


class MemberInline(admin.TabularInline):
    model = OrganisationMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "status", "quartier"]
    list_filter = ["status", "type"]
    search_fields = ["name"]
    inlines = [MemberInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "organisation__name"]
    raw_id_fields = ["organisation"]


@admin.register(PendingChange)
class PendingChangeAdmin(admin.ModelAdmin):
    list_display = ["organisation", "kind", "status", "submitted_at", "decided_by"]
    list_filter = ["status", "kind"]
    readonly_fields = ["proposed"]
