"""paperwire papers ls|search|info — the feed, search and one paper, in a terminal.

    paperwire papers ls [--date 2025-03-03 | --week 2025-W10 | --month 2025-03 | --trending]
    paperwire papers search sparse attention [--limit 10]
    paperwire papers info 2502.08025

Tables to read; with --json, what scripts read: exactly what the JSON API answers for the
same question (the Hugging Face papers API's shapes): `ls` as /api/daily_papers, `search`
as /api/papers/search, `info` as /api/papers/{id}.
"""

import json
import shutil
import textwrap
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from paperwire.api import shapes
from paperwire.discussion.visibility import visible_comments
from paperwire.emails import absolute_url
from paperwire.feed import days, periods
from paperwire.feed import trending as ranking
from paperwire.feed.cards import card_papers
from paperwire.feed.models import DailyEntry
from paperwire.feed.paper_detail import PaperDetail, detailed_paper
from paperwire.ingest.management.arguments import positive_int
from paperwire.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.papers.models import Paper
from paperwire.papers.templatetags.paper_format import category_label, http_url
from paperwire.search.service import MAX_PER_PAGE, search_papers

DEFAULT_LIMIT = 50
# Below this the title column is too narrow to read: the table overflows instead.
MIN_TITLE_WIDTH = 24
# Prose is wrapped to the terminal, but no wider than reads comfortably.
MAX_PROSE_WIDTH = 100

Json = dict[str, Any]


@dataclass
class Row:
    """A paper in a listing, with the feed entry that says who brought it (if any)."""

    rank: int
    paper: Paper
    entry: DailyEntry | None


# JSON: what the API answers for the same question ----------------------------------------


def _comments(paper: Paper) -> int:
    # Annotated by card_papers(), which every listing loads its papers with.
    return getattr(paper, "comment_count", 0)


def rows_json(rows: Sequence[Row]) -> list[Json]:
    """Items as /api/daily_papers and /api/papers/search give them."""
    shaper = shapes.Shaper(row.paper for row in rows)
    return [
        shaper.daily_item(row.entry) if row.entry else shaper.search_item(row.paper, None)
        for row in rows
    ]


# Plain-text output ------------------------------------------------------------------------


def terminal_width() -> int:
    # COLUMNS first, then the terminal; 100 when output goes to a pipe or a file.
    return shutil.get_terminal_size((100, 24)).columns


def plain(text: str) -> str:
    """One line with no control characters: an escape sequence in a title or a name
    must not reach the terminal."""
    return "".join(ch for ch in " ".join(text.split()) if unicodedata.category(ch) != "Cc")


def _cut(text: str, width: int) -> str:
    text = plain(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def table(rows: Sequence[Row], width: int) -> list[str]:
    """Aligned columns; the title takes what the terminal has left and is cut to fit."""
    header = ("#", "UPVOTES", "ID", "TITLE", "COMMENTS", "SUBMITTER")
    cells = [
        (
            str(row.rank),
            str(row.paper.upvotes),
            row.paper.arxiv_id,
            row.paper.title,
            str(_comments(row.paper)),
            row.entry.submitter_name if row.entry else "",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
    others = sum(w for i, w in enumerate(widths) if i != 3) + 2 * (len(header) - 1)
    widths[3] = max(MIN_TITLE_WIDTH, min(widths[3], width - others))
    # Numbers line up on the right, words on the left.
    right = {0, 1, 4}
    return [
        "  ".join(
            (cell.rjust(w) if i in right else _cut(cell, w).ljust(w))
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in [header, *cells]
    ]


def _wrapped(text: str, width: int, indent: str = "  ") -> list[str]:
    lines = []
    for paragraph in text.replace("\r\n", "\n").split("\n\n"):
        if paragraph.strip():
            lines += textwrap.wrap(
                plain(paragraph), width, initial_indent=indent, subsequent_indent=indent
            )
            lines.append("")
    return lines[:-1]


def _feed_day(entry: DailyEntry) -> str:
    """2025-03-10 (by akhaliq, for Google DeepMind): the day, who brought it and for whom."""
    who = [f"by {plain(entry.submitter_name)}"] if entry.submitter_name else []
    if entry.organization is not None:
        who.append(f"for {plain(entry.organization.fullname or entry.organization.name)}")
    return f"{entry.day.isoformat()} ({', '.join(who)})" if who else entry.day.isoformat()


def info_lines(detail: PaperDetail, comments: int, width: int) -> list[str]:
    paper = detail.paper
    authors = []
    for authorship in detail.authorships:
        username = getattr(authorship, "verified_username", None)
        verified = f" (verified: @{username})" if username else ""
        authors.append(f"{plain(authorship.author.name)}{verified}")
    facts = [
        ("Authors", ", ".join(authors) or "unknown"),
        ("Published", paper.published_at.date().isoformat() if paper.published_at else ""),
        ("Categories", ", ".join(category_label(c) for c in detail.categories)),
        ("Upvotes", f"{paper.upvotes} · {comments} comment{'s' if comments != 1 else ''}"),
        ("Page", absolute_url(paper.get_absolute_url())),
        ("arXiv", paper.abs_url),
        ("PDF", paper.pdf_url),
    ]
    if code := http_url(paper.code_url):
        stars = f" ({paper.code_stars:,} stars)" if paper.code_stars is not None else ""
        facts.append(("Code", plain(code) + stars))
    if project := http_url(paper.project_url):
        facts.append(("Project page", plain(project)))
    facts.append(("Feed days", "; ".join(map(_feed_day, detail.entries)) or "never on the feed"))
    label_width = max(len(label) for label, _ in facts)
    lines = [plain(paper.title)]
    if paper.withdrawn_at:
        lines.append(f"Withdrawn on {paper.withdrawn_at.date().isoformat()}.")
    lines.append("")
    for label, value in facts:
        if value:
            lines += textwrap.wrap(
                value,
                max(width, label_width + 20),
                initial_indent=f"{label.ljust(label_width)}  ",
                subsequent_indent=" " * (label_width + 2),
                break_on_hyphens=False,
            )
    prose_width = min(width, MAX_PROSE_WIDTH)
    if paper.ai_summary:
        lines += ["", "AI summary", *_wrapped(paper.ai_summary, prose_width)]
    lines += ["", "Abstract", *_wrapped(paper.abstract or "No abstract is known.", prose_width)]
    return lines


# What each listing holds --------------------------------------------------------------------


@dataclass
class Listing:
    """The papers of a day, a period or the trending list, and how to speak of them."""

    title: str
    empty: str
    rows: list[Row]
    total: int


def _ranked(entries: QuerySet[DailyEntry], limit: int) -> tuple[list[Row], int]:
    rows = [Row(n, e.paper, e) for n, e in enumerate(entries[:limit], start=1)]
    return rows, entries.count()


def day_listing(text: str | None, limit: int) -> Listing:
    if text is None:
        day = days.latest_day()
        if day is None:
            return Listing("", "No papers on the feed yet.", [], 0)
    else:
        try:
            day = days.parse_day(text.strip())
        except days.BadDay as error:
            raise CommandError(str(error)) from None
    rows, total = _ranked(days.entries_of_day(day), limit)
    name = f"{day:%A} {day.isoformat()}"
    return Listing(f"Papers of {name}", f"No papers on {name}.", rows, total)


def period_listing(text: str, parse: Callable[[str], periods.Period], limit: int) -> Listing:
    try:
        period = parse(text.strip())
    except periods.BadPeriod as error:
        raise CommandError(str(error)) from None
    rows, total = _ranked(periods.entries_of_period(period), limit)
    name = f"{period.label} ({period.span})" if period.kind == "week" else period.label
    return Listing(f"Papers of {name}", f"No papers in {name}.", rows, total)


def trending_listing(limit: int) -> Listing:
    scores = ranking.ranked()
    top = ranking.with_first_entries(scores[:limit])
    rows = [Row(n, score.paper, entry) for n, (score, entry) in enumerate(top, start=1)]
    return Listing(
        f"Trending: papers first on the feed in the last {ranking.WINDOW.days} days",
        f"No papers are trending: none first on the feed in the last {ranking.WINDOW.days} days "
        "has upvotes (the worker or `paperwire refresh-trending` updates the list).",
        rows,
        scores.count(),
    )


class Command(BaseCommand):
    help = "List the feed, search papers or show one paper, as a table or as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        ls = actions.add_parser("ls", help="the papers of a feed day (the latest by default)")
        which = ls.add_mutually_exclusive_group()
        which.add_argument("--date", help="a feed day, YYYY-MM-DD")
        which.add_argument("--week", help="an ISO week, YYYY-Www: each paper once")
        which.add_argument("--month", help="a month, YYYY-MM: each paper once")
        which.add_argument("--trending", action="store_true", help="the trending list")
        search = actions.add_parser("search", help="papers matching a query, best first")
        search.add_argument("query", nargs="+", metavar="QUERY", help="words, as on /search")
        info = actions.add_parser("info", help="one paper: authors, links, feed days, abstract")
        info.add_argument("id", metavar="ID", help="an arXiv id or URL (2502.08025)")
        ls.add_argument(
            "--limit",
            type=positive_int,
            default=DEFAULT_LIMIT,
            help=f"at most this many papers (default {DEFAULT_LIMIT})",
        )
        search.add_argument(
            "--limit",
            type=positive_int,
            default=DEFAULT_LIMIT,
            help=f"at most this many papers (default {DEFAULT_LIMIT}, {MAX_PER_PAGE} at most)",
        )
        for sub in (ls, search, info):
            sub.add_argument("--json", action="store_true", help="JSON for scripts")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "ls":
            self._ls(options)
        elif options["action"] == "search":
            self._search(" ".join(options["query"]), options["limit"], options["json"])
        else:
            self._info(options["id"], options["json"])

    def _print_json(self, data: object) -> None:
        self.stdout.write(json.dumps(shapes.compact(data), ensure_ascii=False, indent=2))

    def _print_rows(self, title: str, rows: list[Row], total: int, empty: str) -> None:
        if not rows:
            self.stdout.write(empty)
            return
        self.stdout.write(f"{title}: {total} paper{'s' if total != 1 else ''}")
        self.stdout.write("\n".join(table(rows, terminal_width())))
        if total > len(rows):
            self.stdout.write(f"{len(rows)} of {total} shown: --limit N shows more.")

    def _ls(self, options: dict[str, Any]) -> None:
        limit = options["limit"]
        if options["trending"]:
            listing = trending_listing(limit)
        elif options["week"] is not None:
            listing = period_listing(options["week"], periods.parse_week, limit)
        elif options["month"] is not None:
            listing = period_listing(options["month"], periods.parse_month, limit)
        else:
            listing = day_listing(options["date"], limit)
        if options["json"]:
            self._print_json(rows_json(listing.rows))
        else:
            self._print_rows(listing.title, listing.rows, listing.total, listing.empty)

    def _search(self, query: str, limit: int, as_json: bool) -> None:
        if not query.strip():
            raise CommandError("Nothing to search for: write some words, e.g. sparse attention.")
        results = search_papers(query, per_page=min(limit, MAX_PER_PAGE), fetch_unknown=True)
        for notice in results.notices:
            self.stderr.write(notice)
        papers = results.papers
        total = results.total
        if results.redirect_to and results.query.arxiv_id:
            # The query was an arXiv id: the page would go to the paper, the list holds it.
            papers = list(card_papers().filter(arxiv_id=results.query.arxiv_id))
            total = len(papers)
        first = days.first_appearances(p.pk for p in papers)
        rows = [Row(n, p, first.get(p.pk)) for n, p in enumerate(papers, start=1)]
        if as_json:
            self._print_json(rows_json(rows))
            return
        shown = results.query.text
        self._print_rows(f"Papers matching “{shown}”", rows, total, f"No papers match “{shown}”.")

    def _info(self, text: str, as_json: bool) -> None:
        try:
            arxiv_id = parse_arxiv_id(text).id
        except InvalidArxivId as error:
            raise CommandError(f"{error}.") from None
        detail = detailed_paper(arxiv_id)
        if detail is None:
            raise CommandError(
                f"The paper {arxiv_id} is not on this site: "
                f"`paperwire fetch-arxiv {arxiv_id}` fetches it from arXiv."
            )
        if as_json:
            # What GET /api/papers/{id} answers.
            self._print_json(shapes.paper_objects([detail.paper])[0])
            return
        comments = visible_comments().filter(paper=detail.paper).count()
        self.stdout.write("\n".join(info_lines(detail, comments, terminal_width())))
