from django.urls import path
from django.views.generic import RedirectView

from paperwire.feed import views

app_name = "feed"
urlpatterns = [
    path("papers", views.latest, name="latest"),
    path(
        "papers/",
        RedirectView.as_view(pattern_name="feed:latest", query_string=True, permanent=True),
    ),
    path("papers/date/<str:day>", views.day_page, name="day"),
]
