from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "villesolidaire.accounts"
    label = "accounts"
    verbose_name = "comptes et rôles"
