from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "paperwire.accounts"
    label = "accounts"
