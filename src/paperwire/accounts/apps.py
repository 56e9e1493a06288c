from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "paperwire.accounts"
    label = "accounts"

    def ready(self) -> None:
        from paperwire.accounts import signals  # noqa: F401  (connects the receivers)
