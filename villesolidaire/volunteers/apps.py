from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "villesolidaire.volunteers"
    label = "volunteers"
    verbose_name = "volontaires"
