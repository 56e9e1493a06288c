"""paperwire fetch-arxiv ID... — fetch papers from the arXiv API and store them."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperwire.ingest.arxiv_api import ArxivPaperNotFound, ArxivUnavailable, fetch_arxiv_papers
from paperwire.ingest.records import RecordError
from paperwire.ingest.upsert import upsert_papers
from paperwire.papers.arxiv_ids import InvalidArxivId


class Command(BaseCommand):
    help = "Fetch papers by arXiv id or URL from the arXiv API and store them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "ids", nargs="+", metavar="ID", help="2502.08025, arXiv:hep-th/9901001v1, an arXiv URL"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            records = fetch_arxiv_papers(options["ids"])
        except (InvalidArxivId, ArxivPaperNotFound, ArxivUnavailable, RecordError) as e:
            raise CommandError(str(e)) from e
        result = upsert_papers(records)
        created, updated = set(result.created), set(result.updated)
        for record in records:
            pk = result.ids[record.arxiv_id]
            status = "created" if pk in created else "updated" if pk in updated else "unchanged"
            version = f"v{record.version}" if record.version else ""
            self.stdout.write(f"{record.arxiv_id}{version}  {status:<9}  {record.title}")
