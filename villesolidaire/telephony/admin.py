from django.contrib import admin

from villesolidaire.telephony.models import OperatorLine


@admin.register(OperatorLine)
class OperatorLineAdmin(admin.ModelAdmin):
    """Which extension each operator answers on (their intake screen shows the calls ringing there)."""

    list_display = ["user", "extension"]
    search_fields = ["extension", "user__email", "user__last_name"]
    autocomplete_fields = ["user"]
