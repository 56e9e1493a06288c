"""What ingest tells the apps above it, which it must not import (search keeps its index
with these): both are sent synchronously, so a receiver works in the sender's transaction.
"""

from django.dispatch import Signal

# Sent inside the transaction that stored or changed papers, with `paper_ids`: an index
# written by a receiver commits (or rolls back) with the papers themselves.
papers_stored = Signal()

# Sent by an import command when it has stored everything, with `progress` (whether to
# show a progress bar): the place to catch up with a large import at once.
import_finished = Signal()
