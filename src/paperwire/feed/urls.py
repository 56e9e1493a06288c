from django.urls import path
from django.views.generic import RedirectView

from paperwire.feed import actions, views

app_name = "feed"
urlpatterns = [
    path("papers", views.latest, name="latest"),
    path(
        "papers/",
        RedirectView.as_view(pattern_name="feed:latest", query_string=True, permanent=True),
    ),
    path("papers/date/<str:day>", views.day_page, name="day"),
    path("papers/week/<str:week>", views.week_page, name="week"),
    path("papers/month/<str:month>", views.month_page, name="month"),
    path("papers/trending", views.trending, name="trending"),
    path("about/trending", views.about_trending, name="about_trending"),
    path("papers/submit", actions.submit, name="submit"),
    path("papers/<arxiv:arxiv_id>/upvote", actions.upvote, name="upvote"),
]
