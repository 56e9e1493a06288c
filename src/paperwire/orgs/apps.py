from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "paperwire.orgs"
    label = "orgs"
