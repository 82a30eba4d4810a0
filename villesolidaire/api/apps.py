from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.api"
    verbose_name = "API"

    def ready(self) -> None:
        # Registers the API key's description in the OpenAPI document (drf-spectacular extension).
        from villesolidaire.api import schema  # noqa: F401, PLC0415
