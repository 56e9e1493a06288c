from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "paperwire.profiles"
    label = "profiles"
