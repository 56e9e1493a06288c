from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "paperwire.site"
    label = "site"
