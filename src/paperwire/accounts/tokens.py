"""Signed email-verification links: who, which address, and when, with no table to keep.

The token carries the user id and the address the link was sent to. A link for an
address the user has since changed is stale, so following an old link can never
verify a new, unchecked address.
"""

from dataclasses import dataclass

from django.core import signing

from paperwire.errors import InputError

SALT = "paperwire.accounts.verify-email"
MAX_AGE = 3 * 24 * 60 * 60  # three days, in seconds


class BadToken(InputError):
    """A link that cannot verify anything; the message says why, for the page."""

    def __init__(self, message: str, *, user_id: int | None = None) -> None:
        super().__init__(message)
        # Known when the signature is genuine but too old: the page can offer a new link.
        self.user_id = user_id


@dataclass(frozen=True)
class Verification:
    user_id: int
    email: str


def make_token(user_id: int, email: str) -> str:
    return signing.dumps({"u": user_id, "e": email}, salt=SALT, compress=True)


def read_token(token: str, max_age: int | None = MAX_AGE) -> Verification:
    """The verification a link carries; `max_age=None` accepts an expired one."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        # The signature is genuine, only old: say so, and remember whose link it was.
        old = signing.loads(token, salt=SALT)
        raise BadToken(
            "This link has expired: links work for three days.", user_id=old.get("u")
        ) from None
    except signing.BadSignature:
        raise BadToken("This link is not valid: it may have been cut short when copied.") from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or "e" not in data:
        raise BadToken("This link is not valid: it may have been cut short when copied.")
    return Verification(user_id=data["u"], email=str(data["e"]))
