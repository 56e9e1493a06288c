from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="feed:latest", permanent=False), name="home"),
    path("papers/", include("paperwire.feed.urls")),
    path("papers/", include("paperwire.papers.urls")),
    path("admin/", admin.site.urls),
]
