from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "paperwire.discussion"
    label = "discussion"
