"""Named people for tests: Alice (a verified member), Bob (another), Nora (new,
unverified), Sam (staff), Mallory (a member the tests ban). tests/conftest.py hands them
out as fixtures; build anyone else with make_user. All share PASSWORD."""

from functools import cache

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

PASSWORD = "correct horse battery staple"


@cache
def _password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared password once per test run.
    return make_password(PASSWORD)


def make_user(
    username: str = "alice",
    *,
    email: str | None = None,
    fullname: str = "",
    verified: bool = True,
    staff: bool = False,
) -> User:
    user = User(
        username=username,
        email=email if email is not None else f"{username}@example.org",
        is_staff=staff,
        is_superuser=staff,
        password=_password_hash(),
    )
    user.save()
    profile = user.profile
    profile.fullname = fullname or username.capitalize()
    profile.email_verified_at = timezone.now() if verified else None
    profile.save()
    return user


def ban(user: User) -> User:
    # What the moderation action does: the profile remembers when, the account stops.
    user.profile.banned_at = timezone.now()
    user.profile.save()
    user.is_active = False
    user.save()
    return user


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


class CsrfClient(Client):
    """A test client that enforces CSRF as browsers meet it: post() first fetches a
    token the way a form page would hand it out, then sends it."""

    def __init__(self, **defaults: object) -> None:
        super().__init__(enforce_csrf_checks=True, **defaults)

    def post_form(self, path: str, data: dict | None = None, **extra: object):  # type: ignore[no-untyped-def]
        from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

        if "csrftoken" not in self.cookies:
            self.cookies["csrftoken"] = _get_new_csrf_string()
        token = _mask_cipher_secret(self.cookies["csrftoken"].value)
        return self.post(path, {**(data or {}), "csrfmiddlewaretoken": token}, **extra)
