"""What ingest tells the apps above it, which it must not import (search keeps its index
with these): both are sent synchronously, so a receiver works in the sender's transaction.
"""

from typing import NamedTuple

from django.dispatch import Signal

# Sent inside the transaction that stored or changed papers, with `paper_ids` (all of
# them) and `staged` (a StagedPapers, or None): an index written by a receiver commits
# (or rolls back) with the papers themselves.
papers_stored = Signal()

# Sent by an import command when it has stored everything, with `progress` (whether to
# show a progress bar): the place to catch up with a large import at once.
import_finished = Signal()


class StagedPapers(NamedTuple):
    """Papers of `paper_ids` that a bulk write inserted from staging tables (PostgreSQL),
    which still hold them while the signal is sent: `papers` has one row per paper
    (ord, arxiv_id, title, abstract, ...), `authorships` one per author of each
    (ord, position, name, ...). A receiver can read a whole batch from them at once."""

    papers: str
    authorships: str
    ids: frozenset[int]
