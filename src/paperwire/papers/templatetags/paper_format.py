"""Filters that turn stored paper fields into what a reader should see."""

import re
from urllib.parse import quote, urlsplit

from django import template

from paperwire.papers.models import Category

register = template.Library()

_CC = re.compile(
    r"creativecommons\.org/(?:licenses/(?P<terms>[a-z-]+)/(?P<v>[\d.]+)|publicdomain/zero)"
)
_CODE_HOSTS = {"github.com": "GitHub", "gitlab.com": "GitLab", "huggingface.co": "Hugging Face"}


@register.filter
def http_url(value: str) -> str:
    """The URL if it is http(s), else "".

    Stored links come from outside sources; a javascript: one must never become an href.
    """
    try:
        scheme = urlsplit(value or "").scheme.lower()
    except ValueError:
        return ""
    return value if scheme in ("http", "https") else ""


@register.filter
def compact_count(value: int | None) -> str:
    """12 → 12, 1234 → 1.2k, 56789 → 57k, 1234567 → 1.2M."""
    if value is None:
        return ""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            scaled = value / size
            text = f"{scaled:.1f}" if scaled < 10 else f"{scaled:.0f}"
            return text.removesuffix(".0") + suffix
    return str(value)


@register.filter
def code_host(url: str) -> str:
    """The name of the site that hosts a code repository, for a link label."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return _CODE_HOSTS.get(host, "Code")


@register.filter
def license_name(url: str) -> str:
    """A readable name for an arXiv licence URL (CC BY 4.0, arXiv non-exclusive licence)."""
    if m := _CC.search(url):
        if not m["terms"]:
            return "CC0 1.0 (public domain)"
        return f"CC {m['terms'].upper()} {m['v']}"
    if "arxiv.org/licenses/nonexclusive-distrib" in url:
        return "arXiv non-exclusive distribution licence"
    if "arxiv.org/licenses/assumed" in url:
        return "arXiv licence assumed (pre-2004)"
    return url


@register.filter
def doi_url(doi: str) -> str:
    return f"https://doi.org/{quote(doi.strip(), safe='/:;()[]')}"


@register.filter
def category_label(category: Category | None) -> str:
    """Machine Learning (cs.LG); a category known only by its code is just the code."""
    if category is None:
        return ""
    if category.name and category.name != category.code:
        return f"{category.name} ({category.code})"
    return category.code
