"""paperwire refresh-trending — recompute every stored trending score now."""

from typing import Any

from django.core.management.base import BaseCommand

from paperwire.feed import trending


class Command(BaseCommand):
    help = (
        "Recompute the trending score of every paper first on the feed in the last "
        f"{trending.WINDOW.days} days, and drop the scores of papers that left it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        written = trending.refresh_scores()
        self.stdout.write(
            f"Refreshed {written} trending score{'s' if written != 1 else ''} "
            f"(papers first on the feed in the last {trending.WINDOW.days} days, with upvotes)."
        )
