from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "paperwire.digests"
    label = "digests"
    verbose_name = "Email digests"
