"""A paper as Markdown, for agents and scripts: /papers/<id>.md (and HfApi.read_paper).

The document is the paper page in text: the title as its only top-level heading, the
authors, links and facts, the feed days, the AI summary, the abstract and the
discussion. Comment bodies are Markdown already and stay as their authors wrote them,
but every line is quoted ("> "), so nothing a commenter types (a "# " heading, an
unclosed code fence, a list) can reach outside their comment; a quote ends with its
container, and with it anything left open inside.
"""

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from paperwire.discussion.thread import Entry, Thread
from paperwire.feed.models import DailyEntry
from paperwire.feed.paper_detail import PaperDetail
from paperwire.papers.models import Authorship, Category, Paper
from paperwire.papers.templatetags.paper_format import http_url

CONTENT_TYPE = "text/markdown; charset=utf-8"

# The line endings CommonMark knows; str.splitlines would also split on characters
# (U+2028, form feed) that a Markdown reader keeps inside a line.
_LINE_END = re.compile(r"\r\n|\r|\n")
# Text that opens a block when it starts a line: a heading, quote, list item, rule,
# fence, table, HTML block (a <script> one runs to its closing tag, past blank lines).
_BLOCK_START = re.compile(r"[#>+*=_~`<|-]")
# "1. " or "2) " opens an ordered list; a backslash escapes the punctuation, not a digit.
_ORDERED_START = re.compile(r"(\d{1,9})([.)])")
# Characters that make links, emphasis, code or HTML inline.
_INLINE_SYNTAX = re.compile(r"([\\`*_\[\]<>#!|~])")


def one_line(text: str) -> str:
    """Text on one line, whitespace runs collapsed: titles and names from imports wrap."""
    return " ".join(text.split())


def escaped(text: str) -> str:
    """One line of plain text that Markdown shows as typed: for names members choose,
    which must not become links, emphasis or HTML."""
    return _INLINE_SYNTAX.sub(r"\\\1", one_line(text))


def paragraphs(text: str) -> list[str]:
    """Prose (an abstract, a summary) as Markdown paragraphs, one line each.

    arXiv hard-wraps and indents abstracts: joined lines read as the author meant, and
    indented ones would otherwise be code. A paragraph that would open some other block
    starts with a backslash, which Markdown drops.
    """
    result = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        line = one_line(block)
        if _BLOCK_START.match(line):
            line = f"\\{line}"
        elif _ORDERED_START.match(line):
            line = _ORDERED_START.sub(r"\1\\\2", line, count=1)
        if line:
            result.append(line)
    return result


def quoted(body: str, indent: str = "") -> list[str]:
    """A comment's Markdown inside a block quote, every line of it, blank ones too."""
    return [f"{indent}> {line}".rstrip() for line in _LINE_END.split(body)]


def _day(moment: datetime | None) -> str:
    return moment.astimezone(UTC).date().isoformat() if moment else ""


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _author(authorship: Authorship) -> str:
    text = one_line(authorship.author.name)
    if authorship.affiliation:
        text += f" ({one_line(authorship.affiliation)})"
    # Annotated by the view's query (claims.verified_username); a bare row has none.
    username = getattr(authorship, "verified_username", None)
    if username:
        text += f" (verified: @{escaped(username)})"
    return text


def _category(category: Category) -> str:
    if category.name and category.name != category.code:
        return f"{category.code} ({category.name})"
    return category.code


def _links(paper: Paper, page_url: str) -> list[str]:
    lines = [
        f"- Paper page: {page_url}",
        f"- arXiv: {paper.abs_url}",
        f"- PDF: {paper.pdf_url}",
    ]
    # Stored links come from outside sources: only http(s) ones are written out.
    if code := http_url(paper.code_url):
        stars = f" ({paper.code_stars:,} stars)" if paper.code_stars is not None else ""
        lines.append(f"- Code: {one_line(code)}{stars}")
    if project := http_url(paper.project_url):
        lines.append(f"- Project page: {one_line(project)}")
    if paper.doi:
        lines.append(f"- DOI: {one_line(paper.doi)}")
    return lines


def _facts(paper: Paper, categories: Sequence[Category]) -> list[str]:
    lines = []
    if paper.published_at:
        lines.append(f"- Published: {_day(paper.published_at)}")
    if paper.updated_at and _day(paper.updated_at) != _day(paper.published_at):
        lines.append(f"- Updated: {_day(paper.updated_at)}")
    if paper.version:
        lines.append(f"- Version: v{paper.version}")
    if categories:
        lines.append(f"- Categories: {', '.join(_category(c) for c in categories)}")
    if paper.journal_ref:
        lines.append(f"- Journal reference: {one_line(paper.journal_ref)}")
    if paper.comments:
        lines.append(f"- Comments: {one_line(paper.comments)}")
    lines.append(f"- Upvotes: {paper.upvotes}")
    return lines


def _feed_day(entry: DailyEntry, paper: Paper) -> str:
    text = f"- {entry.day.isoformat()}"
    submitter = entry.submitter_fullname or entry.submitter_name
    if submitter:
        text += f", submitted by {escaped(submitter)}"
        if entry.submitter_name and entry.submitter_name != submitter:
            text += f" (@{escaped(entry.submitter_name)})"
    if entry.organization is not None:
        org = entry.organization
        text += f", for {escaped(org.fullname or org.name)}"
    if entry.source == "hf" and entry.discussion_id:
        text += f"; discussion on Hugging Face: https://huggingface.co/papers/{paper.arxiv_id}"
    return text


def _byline(entry: Entry) -> str:
    """Who wrote a comment and when; a placeholder kept for its replies names no one."""
    comment = entry.comment
    if not entry.shown:
        return "[deleted]" if entry.was_deleted else "[removed by a moderator]"
    username = comment.author.get_username()
    who = escaped(entry.author_name)
    if entry.author_name != username:
        who += f" (@{escaped(username)})"
    edited = " (edited)" if comment.edited_at else ""
    return f"{who} · {_minute(comment.created_at)}{edited}"


def _discussion(thread: Thread) -> list[str]:
    count = f"{thread.count} comment{'s' if thread.count != 1 else ''}"
    lines = ["## Discussion", "", f"{count}." if thread.entries else "No comments yet."]
    for entry in thread.entries:
        lines += ["", f"### {_byline(entry)}"]
        if entry.shown:
            lines += ["", *quoted(entry.comment.body)]
        # Replies are one level deep: a list item each, the reply quoted inside it.
        for reply in entry.replies:
            lines += ["", f"- Reply by {_byline(reply)}", "", *quoted(reply.comment.body, "  ")]
    return lines


def _section(title: str, body: Iterable[str]) -> list[str]:
    return ["", f"## {title}", "", *body]


def _prose(blocks: Iterable[str]) -> list[str]:
    """Paragraphs as lines, a blank line between each two."""
    lines: list[str] = []
    for block in blocks:
        lines += ["", block] if lines else [block]
    return lines


def render_paper(detail: PaperDetail, thread: Thread, page_url: str) -> str:
    """The paper as one Markdown document; `page_url` is its page's absolute address."""
    paper, entries = detail.paper, detail.entries
    lines = [f"# {one_line(paper.title)}", ""]
    if paper.withdrawn_at:
        lines += [f"**This paper was withdrawn on {_day(paper.withdrawn_at)}.**", ""]
    authors = [_author(a) for a in detail.authorships]
    lines.append(f"**Authors:** {', '.join(authors)}" if authors else "**Authors:** unknown")
    lines += ["", *_links(paper, page_url), *_facts(paper, detail.categories)]
    if entries:
        lines += _section("On the daily feed", (_feed_day(e, paper) for e in entries))
    if paper.ai_summary or paper.ai_keywords:
        summary = paragraphs(paper.ai_summary)
        if paper.ai_keywords:
            summary.append(f"Keywords: {', '.join(escaped(str(k)) for k in paper.ai_keywords)}")
        lines += _section("AI summary", _prose(summary))
    abstract = paragraphs(paper.abstract) or ["No abstract is known for this paper yet."]
    lines += _section("Abstract", _prose(abstract))
    lines += ["", *_discussion(thread)]
    return "\n".join(lines) + "\n"


def not_found(message: str) -> str:
    return f"# Not found\n\n{message}\n"
