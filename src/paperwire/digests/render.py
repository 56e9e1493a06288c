"""A subscriber's digest as an email: subject, text and HTML from named templates.

Sections are rendered once per run and reused: most subscribers share the top
papers, and many share a category, so a batch of thousands renders a few hundred
fragments and, per message, only its frame and links.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from paperwire.digests import tokens
from paperwire.digests.compose import EditionContent, Section
from paperwire.digests.models import Subscriber
from paperwire.digests.summary import shorten
from paperwire.emails import absolute_url

HEADLINE_LENGTH = 80


def manage_url(subscriber: Subscriber) -> str:
    return absolute_url(reverse("digests:manage", args=[tokens.manage_token(subscriber.pk)]))


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute_url(reverse("digests:unsubscribe", args=[tokens.manage_token(subscriber.pk)]))


def site_domain() -> str:
    return urlsplit(settings.BASE_URL).hostname or "localhost"


class DigestRenderer:
    def __init__(self, content: EditionContent) -> None:
        self.content = content
        edition = content.edition
        self.kind_label = edition.get_kind_display()
        self._html: dict[tuple[object, ...], SafeString] = {}
        self._text: dict[tuple[object, ...], str] = {}
        self._frame = {
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

    def message(self, subscriber: Subscriber, sections: list[Section]) -> EmailMultiAlternatives:
        rendered = [self._section(section) for section in sections]
        count = sum(len(section.items) for section in sections)
        first = sections[0].items[0].title
        headline = shorten(first, HEADLINE_LENGTH)
        if count > 1:
            headline += f" and {count - 1} more"
        unsubscribe = unsubscribe_url(subscriber)
        context = {
            **self._frame,
            "headline": headline,
            "email": subscriber.email,
            "manage_url": manage_url(subscriber),
            "unsubscribe_url": unsubscribe,
            "section_htmls": [html for html, _ in rendered],
            "section_texts": [text for _, text in rendered],
        }
        subject = " ".join(render_to_string("emails/digest-subject.txt", context).split())
        edition = self.content.edition
        message = EmailMultiAlternatives(
            subject,
            render_to_string("emails/digest-body.txt", context),
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
        message.attach_alternative(
            render_to_string("emails/digest-body.html", context), "text/html"
        )
        return message
