"""paperwire import-hf-daily FILE...: load saved Hugging Face daily papers JSON."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperwire.feed.hf_daily import BATCH_SIZE, import_hf_daily
from paperwire.ingest.management.arguments import positive_int
from paperwire.ingest.records import RecordError
from paperwire.ingest.signals import import_finished


class Command(BaseCommand):
    help = (
        "Import Hugging Face daily papers items (GET /api/daily_papers, optionally with "
        "_list_date): JSON lines or one JSON array per file, plain or gzip."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=BATCH_SIZE,
            help=f"items per transaction (default {BATCH_SIZE})",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            stats = import_hf_daily(
                options["files"],
                batch_size=options["batch_size"],
                progress=not options["no_progress"],
            )
        except (RecordError, OSError) as e:
            raise CommandError(str(e)) from None
        self.stdout.write(stats.summary())
        # Findable by their words at once, not only after the worker's next run.
        import_finished.send(type(self), progress=not options["no_progress"])
