"""An edition as one subscriber would get it, without sending or storing anything: for the
staff's preview page and `paperwire digest preview` alike."""

from dataclasses import dataclass
from datetime import date

from django.core.mail import EmailMultiAlternatives

from paperwire.digests import compose
from paperwire.digests.models import DigestEdition, Subscriber
from paperwire.digests.render import DigestRenderer
from paperwire.errors import InputError

# Whom a preview without an address is for: a new subscriber, who gets the top papers.
ANYONE = "reader@example.org"


class NoSuchSubscriber(InputError):
    pass


@dataclass
class Preview:
    edition: DigestEdition
    papers: int  # in the edition, whoever reads it
    subscriber: Subscriber
    message: EmailMultiAlternatives | None  # None: nothing in it for this subscriber

    @property
    def stored(self) -> bool:
        """Whether the edition is composed, or a draft as the papers stand now."""
        return self.edition.pk is not None


def preview(kind: str, day: date, email: str = "") -> Preview:
    """Raises schedule.BadEdition for a day without that edition, NoSuchSubscriber for an
    address no subscriber has."""
    email = email.strip().lower()
    subscriber, wishes = Subscriber(email=ANYONE), compose.Wishes()
    if email:
        found = (
            Subscriber.objects.filter(email=email)
            .prefetch_related("categories", "authors", "organizations", "saved_searches")
            .first()
        )
        if found is None:
            raise NoSuchSubscriber(f"No subscriber has the address {email}.")
        subscriber, wishes = found, compose.Wishes.of(found)
    edition = compose.preview(kind, day)
    content = compose.EditionContent(edition)
    sections = content.sections_for(wishes)
    message = DigestRenderer(content).message(subscriber, sections) if sections else None
    return Preview(edition, len(content.items), subscriber, message)
