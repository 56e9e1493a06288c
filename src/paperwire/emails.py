"""Every email is a named template triplet rendered by one helper, and sent after commit.

templates/emails/<name>-subject.txt, <name>-body.txt and <name>-body.html; each gets the
caller's context plus `site_name` and `base_url`. Links in emails must be absolute: the
request's own address when there is one, else PAPERWIRE_BASE_URL (the worker, the CLI).
"""

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.BASE_URL.rstrip("/") + path


def render_email(
    name: str, to: str | Sequence[str], context: dict[str, Any], request: HttpRequest | None
) -> EmailMultiAlternatives:
    context = {
        "site_name": settings.SITE_NAME,
        "base_url": absolute_url("/", request).rstrip("/"),
        **context,
    }
    # A subject is one line, whatever the template's whitespace.
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[to] if isinstance(to, str) else list(to))
    message.attach_alternative(html, "text/html")
    return message


def send_email(
    name: str,
    to: str | Sequence[str],
    context: dict[str, Any],
    *,
    request: HttpRequest | None = None,
) -> None:
    """Render now, send once the current transaction commits (at once outside one).

    A rolled-back change sends nothing; a mail server that is down is logged, not
    turned into an error page for a change that did happen (the user can ask again).
    """
    message = render_email(name, to, context, request)

    def send() -> None:
        try:
            message.send()
        except Exception:
            logger.exception("could not send the %s email to %s", name, message.to)

    transaction.on_commit(send)
