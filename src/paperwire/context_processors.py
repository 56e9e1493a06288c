from django.conf import settings
from django.http import HttpRequest

# The pages the "Daily papers" link in the main navigation stands for.
FEED_PAGE_NAMES = ("latest", "day", "week", "month")


def site(request: HttpRequest) -> dict[str, object]:
    return {"site_name": settings.SITE_NAME, "feed_page_names": FEED_PAGE_NAMES}
