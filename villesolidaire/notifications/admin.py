from django.contrib import admin

from villesolidaire.notifications.models import REGISTER_MESSAGE_KIND_PREFIX, CallTask, Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-only log: messages are written by the sending task, never by hand. Messages to people
    on the register are left out: their numbers are register data (register officers see them
    in the campaign's pages), and an administrator is not a register officer."""

    list_display = ["created_at", "channel", "recipient", "kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient", "provider_id"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(kind__startswith=REGISTER_MESSAGE_KIND_PREFIX)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CallTask)
class CallTaskAdmin(admin.ModelAdmin):
    list_display = ["created_at", "resident", "kind", "status", "done_at", "done_by"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["resident", "help_request", "support", "done_by"]
    list_select_related = ["resident", "done_by"]
