"""Personal API tokens: created and revoked on the settings page, hashed at rest.

A token is shown once, when it is made: "pw_" and 43 characters of 256 random bits.
Only its SHA-256 is kept (a slow password hash buys nothing against a secret that
random) and its first characters, so that the settings page can tell tokens apart.
"""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from paperwire.accounts.models import ApiToken
from paperwire.errors import InputError

TOKEN_PREFIX = "pw_"  # noqa: S105  (a marker that says what the secret is, not a secret)
MAX_ACTIVE_TOKENS = 20
# Writing "last used" on every request would make each API read a write.
LAST_USED_PRECISION = timedelta(minutes=5)


class TokenError(InputError):
    """A token that cannot be made."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_tokens(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))


@transaction.atomic
def do_create_token(user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token and its secret, which is shown now and never again."""
    name = " ".join(name.split())
    if not name:
        raise TokenError("Give the token a name, such as the script that will use it.", "name")
    if len(name) > 100:
        raise TokenError("A token's name is at most 100 characters.", "name")
    if scope not in ApiToken.Scope.values:
        raise TokenError("Choose read or write.", "scope")
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise TokenError(f"You have {MAX_ACTIVE_TOKENS} tokens: revoke one first.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, scope=scope, prefix=secret[:10], digest=digest(secret)
    )
    return token, secret


def do_revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when there was none to revoke."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def token_for(secret: str) -> ApiToken | None:
    """The live token with this secret whose owner may still use it, else None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user__profile")
        .filter(digest=digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or token.user.profile.banned_at is not None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
