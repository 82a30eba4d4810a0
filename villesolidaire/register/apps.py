from django.apps import AppConfig


class RegisterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.register"
    verbose_name = "Registre des personnes vulnérables"
