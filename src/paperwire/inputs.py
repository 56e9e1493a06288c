"""What people send, read safely: ids from forms and URLs, text free of control characters.

Every database here keeps ids as 64-bit integers; a longer number is no id at all, and
must be a "not found" rather than an overflow deep in the database driver.
"""

import re
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

ID = "[0-9]{1,19}"
MAX_ID = 2**63 - 1
_ID = re.compile(ID)
# C0 controls but tab, line feed and carriage return; DEL; C1 controls; the code points
# XML 1.0 forbids (lone surrogates, U+FFFE, U+FFFF). None of them belongs in a title,
# a name or a query, and any of them makes an RSS or Atom document invalid.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def parse_id(text: str) -> int | None:
    """The id written in `text` (ASCII digits only, at most MAX_ID), or None."""
    if not _ID.fullmatch(text) or int(text) > MAX_ID:
        return None
    return int(text)


def has_controls(text: str) -> bool:
    return _CONTROLS.search(text) is not None


def controls_message(what: str) -> str:
    """The refusal of text with control characters in it, naming the field."""
    return f"{what} contains control characters (such as an escape or a bell): remove them."


def without_controls(text: str) -> str:
    """`text` with its control characters removed (line breaks and tabs stay)."""
    return _CONTROLS.sub("", text)


class TextField(forms.CharField):
    """A CharField that drops control characters as it reads: for text, such as a
    search query, where refusing them would help no one."""

    def to_python(self, value: Any) -> str:
        return without_controls(super().to_python(value) or "")


class IdConverter:
    """`<id:pk>` in a URL: an id that fits the database, else the URL does not match."""

    regex = ID

    def to_python(self, value: str) -> int:
        if (pk := parse_id(value)) is None:
            raise ValueError(value)  # the URL does not match: a 404
        return pk

    def to_url(self, value: int) -> str:
        return str(value)


def next_page(request: HttpRequest, default: str) -> str:
    """Where to go back to: the form's (or the link's) `next` when it is a page of this site,
    else `default`; never another site, so a link cannot send a member elsewhere."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
