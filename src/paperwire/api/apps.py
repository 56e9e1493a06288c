from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "paperwire.api"
    label = "api"
    verbose_name = "JSON API and feeds"
