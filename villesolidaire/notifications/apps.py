from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "villesolidaire.notifications"
    label = "notifications"
    verbose_name = "notifications"
