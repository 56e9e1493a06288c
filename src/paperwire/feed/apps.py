from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "paperwire.feed"
    label = "feed"
