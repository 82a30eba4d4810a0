from django.apps import AppConfig


class RegisterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.register"
    verbose_name = "Registre des personnes vulnérables"

    def ready(self):
        from villesolidaire.accounts.protections import ACCOUNT_PROTECTIONS
        from villesolidaire.register.designations import has_pending_designation

        if has_pending_designation not in ACCOUNT_PROTECTIONS:
            ACCOUNT_PROTECTIONS.append(has_pending_designation)
