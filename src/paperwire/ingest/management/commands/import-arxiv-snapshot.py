"""paperwire import-arxiv-snapshot FILE: load the Kaggle arXiv metadata snapshot."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperwire.ingest.kaggle import ImportStopped, import_snapshot
from paperwire.ingest.management.arguments import positive_int, whole_number
from paperwire.ingest.records import RecordError
from paperwire.ingest.signals import import_finished


def _papers(count: int) -> str:
    return f"{count:,} paper{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Import the Kaggle arXiv metadata snapshot (arxiv-metadata-oai-snapshot.json: "
        "JSON lines, plain, gzip or Kaggle's zip), one transaction per batch. Re-running is safe: "
        "papers already stored are updated or left alone, never duplicated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument(
            "--limit", type=positive_int, help="stop after this many papers (default: all)"
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=5000,
            help="lines per transaction (default 5000; larger batches import faster "
            "but hold the database's write lock longer)",
        )
        parser.add_argument(
            "--workers",
            type=whole_number,
            help="processes that parse the file while this one writes (default: one per "
            "processor, up to 4, for a file of 16 MB or more; 0: this process parses)",
        )
        parser.add_argument(
            "--writers",
            type=positive_int,
            help="PostgreSQL: batches written at once, each on its own connection (default 4)",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="log malformed lines and go on, instead of stopping at the first one",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: {'not a file' if path.exists() else 'no such file'}")
        try:
            stats = import_snapshot(
                path,
                batch_size=options["batch_size"],
                limit=options["limit"],
                progress=not options["no_progress"],
                skip_invalid=options["skip_invalid"],
                workers=options["workers"],
                writers=options["writers"],
            )
        except ImportStopped as e:
            raise CommandError(
                f"{e} (the {_papers(e.committed)} before it are stored; running the command "
                "again once the file is fixed completes the import)"
            ) from None
        except RecordError as e:  # an archive that cannot be opened
            raise CommandError(str(e)) from None
        except OSError as e:
            raise CommandError(f"{path}: {e.strerror or e}") from None
        skipped = f", {stats.skipped:,} invalid lines skipped" if stats.skipped else ""
        self.stdout.write(
            f"{_papers(stats.records)} in {stats.seconds:.1f} s ({stats.per_second:,.0f}/s): "
            f"{stats.created:,} created, {stats.updated:,} updated, "
            f"{stats.unchanged:,} unchanged{skipped}"
        )
        # Findable by their words at once, not only after the worker's next run.
        import_finished.send(type(self), progress=not options["no_progress"])
