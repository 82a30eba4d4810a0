from django.apps import AppConfig


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.audit"
    verbose_name = "Journal d'accès"

    def ready(self):
        from villesolidaire.accounts.protections import credentials_changed_by_admin, password_changed_by_owner
        from villesolidaire.audit.services import (
            record_credentials_change,
            record_own_password_change,
            record_quartier_scope_change,
        )
        from villesolidaire.territory.scopes import quartier_scope_changed

        credentials_changed_by_admin.connect(record_credentials_change)
        password_changed_by_owner.connect(record_own_password_change)
        quartier_scope_changed.connect(record_quartier_scope_change)
