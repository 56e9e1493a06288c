import logging
import os
import sys
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from paperwire.ingest.signals import StagedPapers

logger = logging.getLogger(__name__)


class SearchConfig(AppConfig):
    name = "paperwire.search"
    label = "search"

    def ready(self) -> None:
        from paperwire.ingest import indexes, signals

        signals.papers_stored.connect(_index_stored, dispatch_uid="search_index_stored")
        # A bulk import into a small database builds the documents' word index at its
        # end, as it does the paper tables' indexes: each paper's document is still
        # written with it, and findable (by reading the documents) until the index is back.
        indexes.defer_with_papers("search_paperdocument")
        signals.import_finished.connect(_catch_up, dispatch_uid="search_catch_up")
        if serving_web(sys.argv, os.environ):
            start_warm_up()


def _index_stored(
    sender: object,
    paper_ids: Iterable[int],
    staged: "StagedPapers | None" = None,
    **kwargs: Any,
) -> None:
    # In the batch's transaction: a committed paper is always findable by its words.
    from paperwire.search.lexical import index_papers, index_staged

    if staged is None:
        index_papers(paper_ids)
        return
    index_staged(staged.papers, staged.authorships)
    index_papers(set(paper_ids) - staged.ids)


def _catch_up(sender: object, progress: bool = False, **kwargs: Any) -> None:
    # Findable by their words at once, not only after the worker's next run.
    from paperwire.search.lexical import catch_up_lexical

    catch_up_lexical(progress=progress)


def serving_web(argv: list[str], environ: "os._Environ[str] | dict[str, str]") -> bool:
    """Whether this process answers web requests through `paperwire runserver`: the child
    that serves (RUN_MAIN), or the only process with --noreload; not the reloader's parent,
    nor commands. WSGI servers start the warm-up from paperwire.wsgi."""
    if len(argv) < 2 or argv[1] != "runserver":
        return False
    return environ.get("RUN_MAIN") == "true" or "--noreload" in argv


def start_warm_up() -> threading.Thread:
    """Load the embedding model in the background (about 6 s), so that the first search
    after a start does not wait for it."""
    thread = threading.Thread(target=_warm_up, name="search-warm-up", daemon=True)
    thread.start()
    return thread


def _warm_up() -> None:
    from paperwire.search import dense

    try:
        embedder = dense.get_embedder()
        if embedder is not None:
            embedder.encode(["warm up"])
    except Exception:
        # The first search will load it (and say why if it cannot).
        logger.exception("search: loading the embedding model in the background failed")
