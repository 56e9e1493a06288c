from django.apps import AppConfig


class CollectionsConfig(AppConfig):
    name = "paperwire.collections"
    label = "collections"
    verbose_name = "Collections"
