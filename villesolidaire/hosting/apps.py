from django.apps import AppConfig


class HostingConfig(AppConfig):
    """The host's side of a multi-town deployment (decision 0014): towns, domains, keys, console."""

    name = "villesolidaire.hosting"
    label = "hosting"
    verbose_name = "Hébergement"

    def ready(self) -> None:
        from villesolidaire.core import tenancy
        from villesolidaire.hosting.keys import data_keys_for_schema
        from villesolidaire.hosting.selectors import primary_domain

        tenancy.set_key_source(data_keys_for_schema)
        tenancy.set_domain_source(primary_domain)
