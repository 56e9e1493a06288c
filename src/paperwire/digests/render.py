"""A subscriber's digest as an email: subject, text and HTML from named templates.

Sections are rendered once per run and reused: most subscribers share the top
papers, and many share a category, so a batch of thousands renders a few hundred
fragments and, per message, only its frame and links.
"""

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString

from paperwire.digests import tokens
from paperwire.digests.compose import EditionContent, Section
from paperwire.digests.models import Subscriber
from paperwire.digests.summary import shorten
from paperwire.emails import absolute_url

HEADLINE_LENGTH = 80
SUBSCRIBER_FIELDS = ("email", "manage_url", "unsubscribe_url")


def manage_url(subscriber: Subscriber) -> str:
    return absolute_url(reverse("digests:manage", args=[tokens.manage_token(subscriber.pk)]))


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute_url(reverse("digests:unsubscribe", args=[tokens.manage_token(subscriber.pk)]))


def site_domain() -> str:
    return urlsplit(settings.BASE_URL).hostname or "localhost"


@dataclass(frozen=True)
class Frame:
    subject: str
    text: str
    html: str


class DigestRenderer:
    def __init__(self, content: EditionContent) -> None:
        self.content = content
        edition = content.edition
        self.kind_label = edition.get_kind_display()
        self._html: dict[tuple[object, ...], SafeString] = {}
        self._text: dict[tuple[object, ...], str] = {}
        self._frames: dict[tuple[object, ...], Frame] = {}
        # Letters and digits only, so that HTML escaping leaves them as they are.
        nonce = secrets.token_hex(8)
        self._marks = {name: f"PWMARK{name.upper()}{nonce}" for name in SUBSCRIBER_FIELDS}
        self._context = {
            "site_name": settings.SITE_NAME,
            "base_url": absolute_url("/").rstrip("/"),
            "kind_label": self.kind_label,
            "period_label": content.period_label,
            "period_url": content.period_url,
        }

    def _section(self, section: Section) -> tuple[SafeString, str]:
        key = section.key
        if key not in self._html:
            context = {"section": section}
            # A rendered template is a SafeString: its variables were escaped when it rendered.
            html = render_to_string("emails/_digest_section.html", context)
            assert isinstance(html, SafeString)
            self._html[key] = html
            self._text[key] = render_to_string("emails/_digest_section.txt", context).strip()
        return self._html[key], self._text[key]

    def _rendered(self, sections: list[Section]) -> Frame:
        """Subject, text and HTML for these sections, with marks where each subscriber's
        own address and links go: rendered once for everyone who gets the same sections."""
        key = tuple(section.key for section in sections)
        if key not in self._frames:
            rendered = [self._section(section) for section in sections]
            count = sum(len(section.items) for section in sections)
            headline = shorten(sections[0].items[0].title, HEADLINE_LENGTH)
            if count > 1:
                headline += f" and {count - 1} more"
            context = {
                **self._context,
                "headline": headline,
                **self._marks,
                "section_htmls": [html for html, _ in rendered],
                "section_texts": [text for _, text in rendered],
            }
            subject = " ".join(render_to_string("emails/digest-subject.txt", context).split())
            # The subject goes to Django as text: it encodes it for the header itself.
            # Encoding it here folds a long non-ASCII subject onto two lines, which
            # Django then refuses as a header injection (BadHeaderError).
            self._frames[key] = Frame(
                subject,
                render_to_string("emails/digest-body.txt", context),
                render_to_string("emails/digest-body.html", context),
            )
        return self._frames[key]

    def message(self, subscriber: Subscriber, sections: list[Section]) -> EmailMultiAlternatives:
        frame = self._rendered(sections)
        unsubscribe = unsubscribe_url(subscriber)
        own = {"email": subscriber.email, "manage_url": manage_url(subscriber)}
        own["unsubscribe_url"] = unsubscribe
        text, html = frame.text, frame.html
        for name, mark in self._marks.items():
            text = text.replace(mark, own[name])
            html = html.replace(mark, escape(own[name]))
        edition = self.content.edition
        message = EmailMultiAlternatives(
            frame.subject,
            text,
            to=[subscriber.email],
            headers={
                # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that
                # POSTs to this address, without opening a page.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": f"{settings.SITE_NAME} {edition.kind} digest "
                f"<{edition.kind}.digest.{site_domain()}>",
                "Precedence": "bulk",
                "Auto-Submitted": "auto-generated",
                "Message-ID": f"<digest.{edition.kind}.{edition.date}.{subscriber.pk}"
                f"@{site_domain()}>",
            },
        )
        message.attach_alternative(html, "text/html")
        return message
