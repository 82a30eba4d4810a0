from django.apps import AppConfig


class HostingConfig(AppConfig):
    """The host's side of a multi-town deployment (decision 0014): towns, domains, keys, console."""

    name = "villesolidaire.hosting"
    label = "hosting"
    verbose_name = "Hébergement"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from villesolidaire.core import tenancy
        from villesolidaire.hosting import caches
        from villesolidaire.hosting.keys import data_keys_for_schema
        from villesolidaire.hosting.selectors import primary_domain

        tenancy.set_key_source(data_keys_for_schema)
        tenancy.set_domain_source(primary_domain)
        # Whatever changes a town or its domains (services, restore, adoption, the admin) empties
        # this process's memory of them (`hosting.caches`).
        for model in ("Tenant", "Domain"):
            for signal, event in ((post_save, "save"), (post_delete, "delete")):
                signal.connect(
                    caches.forget_towns, sender=self.get_model(model), dispatch_uid=f"forget_towns_{model}_{event}"
                )
