"""Feed URLs: /feeds/<what>.rss and /feeds/<what>.atom, <what> mirroring the page's path.

Each name reverses with the page's arguments and then the format, "rss" or "atom":
{% url 'feeds:week' '2026-W34' 'atom' %} is /feeds/week/2026-W34.atom.
"""

from django.urls import path, register_converter

from paperwire.api import feeds


class FeedFormatConverter:
    regex = "rss|atom"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FeedFormatConverter, "feedformat")

app_name = "feeds"
urlpatterns = [
    path("feeds/daily.<feedformat:format>", feeds.view(feeds.daily), name="daily"),
    path("feeds/date/<str:day>.<feedformat:format>", feeds.view(feeds.on_day), name="day"),
    path("feeds/weekly.<feedformat:format>", feeds.view(feeds.weekly), name="weekly"),
    path("feeds/week/<str:week>.<feedformat:format>", feeds.view(feeds.week), name="week"),
    path("feeds/monthly.<feedformat:format>", feeds.view(feeds.monthly), name="monthly"),
    path("feeds/month/<str:month>.<feedformat:format>", feeds.view(feeds.month), name="month"),
    path("feeds/trending.<feedformat:format>", feeds.view(feeds.trending), name="trending"),
    path("feeds/search.<feedformat:format>", feeds.view(feeds.search), name="search"),
    path(
        "feeds/category/<str:code>.<feedformat:format>",
        feeds.view(feeds.category),
        name="category",
    ),
    path(
        "feeds/orgs/<slug:name>.<feedformat:format>",
        feeds.view(feeds.organization),
        name="organization",
    ),
    path("feeds/u/<str:username>.<feedformat:format>", feeds.view(feeds.member), name="member"),
]
