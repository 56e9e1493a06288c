from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from paperwire.accounts import throttle
from paperwire.ops import views as ops_views
from paperwire.ratelimits import limited
from paperwire.site import views as site_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="feed:latest", permanent=False), name="home"),
    # Before the feed's own "papers": this one also answers searches (feed:latest names it).
    path("papers", site_views.papers, name="papers"),
    path("", include("paperwire.feed.urls")),
    path("", include("paperwire.feed.paper_urls")),
    path("", include("paperwire.accounts.urls")),
    path("", include("paperwire.orgs.urls")),
    path("", include("paperwire.profiles.urls")),
    path("", include("paperwire.discussion.urls")),
    path("", include("paperwire.collections.urls")),
    path("", include("paperwire.search.urls")),
    path("", include("paperwire.digests.urls")),
    path("", include("paperwire.api.urls")),
    path("", include("paperwire.api.feed_urls")),
    path("healthz", ops_views.healthz, name="healthz"),
    # The admin's own log-in, guarded as the members' is.
    path(
        "admin/login/",
        limited(("ip", "10/m"))(throttle.guarded("username")(admin.site.login)),
    ),
    path("admin/", admin.site.urls),
]

handler404 = "paperwire.error_pages.not_found"
handler500 = "paperwire.error_pages.server_error"
