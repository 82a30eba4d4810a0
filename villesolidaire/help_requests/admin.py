from django.contrib import admin

from villesolidaire.help_requests.models import HelpCategory, HelpRequest, HelpRequestTransition


@admin.register(HelpCategory)
class HelpCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "bit", "order", "is_active", "involves_money"]
    list_editable = ["order", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["skills"]


class TransitionInline(admin.TabularInline):
    model = HelpRequestTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "resident", "category", "status", "urgency", "created_at"]
    list_filter = ["status", "category", "channel"]
    raw_id_fields = ["resident", "created_by"]
    readonly_fields = ["status", "closure_reason"]
    inlines = [TransitionInline]
