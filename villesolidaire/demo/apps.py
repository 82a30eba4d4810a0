from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo town: top of the stack, it seeds every app through each app's own contribution."""

    name = "villesolidaire.demo"
    label = "demo"
    verbose_name = "commune de démonstration"
