"""Signed links in digest emails: confirming an address, and managing or leaving a subscription.

A confirmation link names the subscriber and the address and lasts a week. A manage
link never expires (a digest from last year must still unsubscribe with one click);
it carries only the subscriber's id, and the signature is what proves the mailbox
received it.
"""

from django.core import signing

from paperwire.errors import InputError

CONFIRM_SALT = "paperwire.digests.confirm"
MANAGE_SALT = "paperwire.digests.manage"
CONFIRM_DAYS = 7


class BadLink(InputError):
    """A link that cannot be followed; the message says why, for the page."""


_CUT = "This link is not valid: it may have been cut short when copied."


def confirm_token(subscriber_id: int, email: str) -> str:
    return signing.dumps({"s": subscriber_id, "e": email}, salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token: str) -> tuple[int, str]:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_DAYS * 24 * 3600)
    except signing.SignatureExpired:
        raise BadLink(
            f"This confirmation link has expired: links work for {CONFIRM_DAYS} days. "
            "Subscribe again to get a new one."
        ) from None
    except signing.BadSignature:
        raise BadLink(_CUT) from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or "e" not in data:
        raise BadLink(_CUT)
    return data["s"], str(data["e"])


def manage_token(subscriber_id: int) -> str:
    return signing.Signer(salt=MANAGE_SALT).sign(str(subscriber_id))


def read_manage_token(token: str) -> int:
    try:
        value = signing.Signer(salt=MANAGE_SALT).unsign(token)
    except signing.BadSignature:
        raise BadLink(_CUT) from None
    if not value.isdigit():
        raise BadLink(_CUT)
    return int(value)
