from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.api"
    verbose_name = "API"

    def ready(self) -> None:
        # The API key's description in the OpenAPI document (a drf-spectacular extension), and the
        # webhooks' steps in the lower apps' services (core.hooks).
        from villesolidaire.api import schema, webhooks  # noqa: F401, PLC0415
        from villesolidaire.campaigns.services.target_status import call_escalated  # noqa: PLC0415
        from villesolidaire.help_requests.services import help_request_created  # noqa: PLC0415
        from villesolidaire.missions.services import mission_done, support_started  # noqa: PLC0415
        from villesolidaire.needs.services import need_full  # noqa: PLC0415

        help_request_created.connect(webhooks.on_help_request_created)
        support_started.connect(webhooks.on_support_started)
        mission_done.connect(webhooks.on_mission_done)
        call_escalated.connect(webhooks.on_call_escalated)
        need_full.connect(webhooks.on_need_full)
