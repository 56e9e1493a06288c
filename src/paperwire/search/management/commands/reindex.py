"""paperwire reindex — embed the papers whose embeddings are missing or out of date.

With --all, the lexical index is rebuilt and every embedding recomputed. Either way it can be
stopped at any time: a rerun skips what was stored. For --all, the start time is kept in
VAR_DIR/search/ until the run completes, so a rerun redoes only papers embedded before it.
"""

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.dateparse import parse_datetime

from paperwire.search import dense, vector_index


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _marker() -> Path:
    # One marker per database: two installs sharing a VAR_DIR must not resume each other.
    name = str(connection.settings_dict["NAME"]).encode()
    database = hashlib.blake2b(name, digest_size=6).hexdigest()
    return Path(settings.VAR_DIR) / "search" / f"reindex-all-{database}.json"


def _redo_before(marker: Path) -> tuple[datetime, bool]:
    """The start time of the --all run to finish, and whether it is resumed."""
    try:
        started = parse_datetime(json.loads(marker.read_text())["redo_before"])
        if started is not None:
            return started, True
    except (OSError, ValueError, KeyError, TypeError):
        pass
    started = dense.embedding_clock()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"redo_before": started.isoformat()}))
    return started, False


class Command(BaseCommand):
    help = "Embed papers whose embeddings are missing or stale; --all rebuilds every index."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="rebuild the lexical index and recompute every embedding (resumable)",
        )
        parser.add_argument(
            "--batch-size", type=_positive, default=64, help="papers per batch (default 64)"
        )
        parser.add_argument(
            "--limit", type=_positive, default=None, help="stop after this many papers"
        )
        parser.add_argument(
            "--drafts",
            action="store_true",
            help="only give papers without any vector a draft, from their first tokens (about "
            "three times faster): found by meaning at once, full vectors later",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["drafts"] and options["all"]:
            raise CommandError("--drafts and --all do not go together")
        progress = not options["no_progress"]
        from paperwire.search.lexical import catch_up_lexical, reindex_all_lexical

        if options["all"]:
            indexed = reindex_all_lexical(progress=progress)
            self.stdout.write(f"lexical index: {indexed} papers")
        else:
            indexed = catch_up_lexical(progress=progress)
            self.stdout.write(f"lexical index: {indexed} papers updated")
        if not dense.embedder_enabled():
            self.stdout.write("embeddings: skipped, the embedder is off (SEARCH_EMBEDDER=off)")
            return
        if options["drafts"]:
            drafted = dense.embed_pending(
                batch_size=options["batch_size"],
                limit=options["limit"],
                progress=progress,
                draft=True,
            )
            vector_index.get_vector_index().refresh(persist=True, now=True)
            self.stdout.write(
                f"embeddings: {drafted} draft{'s' if drafted != 1 else ''} made, "
                f"{dense.pending_count()} papers without a full vector"
            )
            return
        marker = _marker()
        redo_before = None
        if options["all"]:
            redo_before, resumed = _redo_before(marker)
            if resumed:
                self.stdout.write(f"resuming the --all run started {redo_before:%Y-%m-%d %H:%M}")
        try:
            embedded = dense.embed_pending(
                batch_size=options["batch_size"],
                limit=options["limit"],
                progress=progress,
                redo_before=redo_before,
            )
        except KeyboardInterrupt:
            raise CommandError("interrupted: run the same command again to resume") from None
        # Written now, so that the next web process starts from a complete index file.
        vector_index.get_vector_index().refresh(persist=True, now=True)
        pending = dense.pending_count()
        if redo_before is not None:
            still = dense.redo_count(redo_before)
            if not still:
                marker.unlink(missing_ok=True)
            pending = max(pending, still)
        drafts = dense.draft_count()
        self.stdout.write(
            f"embeddings: {embedded} paper{'s' if embedded != 1 else ''} embedded, "
            f"{pending} pending" + (f" ({drafts} with a draft)" if drafts else "")
        )
