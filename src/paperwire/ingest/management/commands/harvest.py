"""paperwire harvest — harvest arXiv metadata over OAI-PMH into the papers table."""

import re
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from paperwire.ingest.models import HarvestCheckpoint
from paperwire.ingest.oai import (
    BadHarvestArguments,
    HarvestArgs,
    HarvestResult,
    check_harvest_args,
    harvest_oai,
)
from paperwire.ingest.oai_parse import METADATA_PREFIXES, ListPage, OaiError

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class Command(BaseCommand):
    help = (
        "Harvest arXiv metadata over OAI-PMH (PAPERWIRE_ARXIV_OAI_URL) into the papers table. "
        "Each page is committed together with a checkpoint, so a harvest that stops part-way "
        "(killed, crashed, network error) resumes at the first page not stored when run again "
        "with the same --set, --from, --until and --metadata-prefix; if the repository has "
        "meanwhile expired the saved resumption token, the list starts over from --from. A "
        "harvest that completed starts over; --restart starts over even an unfinished one. "
        "Re-harvesting a record only updates it, never duplicates it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--set", dest="set_spec", default="", help="e.g. cs, math, physics")
        parser.add_argument("--from", dest="from_date", help="first datestamp, YYYY-MM-DD")
        parser.add_argument("--until", dest="until_date", help="last datestamp, YYYY-MM-DD")
        parser.add_argument(
            "--metadata-prefix",
            default="oai_dc",
            help=f"{' or '.join(METADATA_PREFIXES)} (arXiv keeps affiliations and category codes)",
        )
        parser.add_argument(
            "--delay", help="seconds between requests (default PAPERWIRE_ARXIV_DELAY, 3)"
        )
        parser.add_argument("--restart", action="store_true", help="start over instead of resuming")

    def handle(self, *args: Any, **options: Any) -> None:
        harvest = HarvestArgs(
            set_spec=options["set_spec"],
            metadata_prefix=options["metadata_prefix"],
            from_date=_day(options["from_date"], "--from"),
            until_date=_day(options["until_date"], "--until"),
        )
        delay = _delay(options["delay"])
        try:
            check_harvest_args(harvest)
        except BadHarvestArguments as e:
            raise CommandError(str(e)) from None
        # The bar writes \r updates, so it needs the raw stream rather than OutputWrapper.
        stream = getattr(self.stderr, "_out", self.stderr)
        with tqdm(unit=" records", file=stream, disable=None, dynamic_ncols=True) as bar:

            def on_page(checkpoint: HarvestCheckpoint, page: ListPage) -> None:
                bar.total = checkpoint.complete_list_size
                bar.n = page.cursor + page.size if page.cursor is not None else bar.n + page.size
                bar.set_postfix(page=checkpoint.pages, refresh=False)
                bar.refresh()

            try:
                result = harvest_oai(
                    harvest,
                    restart=options["restart"],
                    delay=delay,
                    on_page=on_page,
                    notify=lambda line: bar.write(line, file=stream),
                )
            except OaiError as e:
                raise CommandError(str(e)) from None
        self.stdout.write(_summary(harvest, result))


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        if _DAY.fullmatch(text.strip()):
            return date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise CommandError(f"{option} {text!r} is not a date (use YYYY-MM-DD)")


def _delay(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise CommandError(f"--delay {text!r} is not a number of seconds (0 or more)")
    return seconds


def _summary(harvest: HarvestArgs, result: HarvestResult) -> str:
    what = f"set {harvest.set_spec}" if harvest.set_spec else "all sets"
    dates = "".join(
        f" {word} {day}"
        for word, day in (("from", harvest.from_date), ("until", harvest.until_date))
        if day
    )
    line = (
        f"Harvested {what}{dates} ({harvest.metadata_prefix}): {result.records} records in "
        f"{result.pages} pages ({result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged; {result.deleted} deleted and {result.skipped} non-paper "
        "records skipped)"
    )
    if result.resumed_at_page:
        line += f", resumed at page {result.resumed_at_page}"
    if result.restarted:
        line += ", started over after the repository rejected the resumption token"
    total = result.checkpoint.records
    return f"{line}; complete, {total} records since {result.checkpoint.started_at:%Y-%m-%d}."
