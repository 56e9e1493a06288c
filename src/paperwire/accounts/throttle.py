"""Slowing down password guessing, on the member log-in and the admin's, without letting
a stranger lock anyone out.

Two counts of wrong passwords, in the cache every process shares:
- per address: FAILURES_PER_ADDRESS an hour, then that address waits;
- per account (the account a username or an email names, however it is spelled, so
  that alternating the two counts once): FAILURES_PER_ACCOUNT an hour, then the
  account takes no more guesses, except from a browser that has logged in to it before
  (a signed cookie, set on every successful log-in). Its owner, on a known browser, is
  never locked out; on a new one, a password reset lifts the lock.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest, HttpResponseBase

from paperwire.error_pages import rate_limited

FAILURES_PER_ADDRESS = 30
FAILURES_PER_ACCOUNT = 10
WINDOW = 3600  # seconds
KNOWN_BROWSER_COOKIE = "pw_known"
KNOWN_BROWSER_AGE = 365 * 24 * 3600
_SALT = "paperwire.accounts.known-browser"

View = Callable[..., HttpResponseBase]


def account_key(login: str) -> str:
    """The account a typed username or email names; the typed text when none does."""
    login = login.strip().lower()
    pk = (
        User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return f"user:{pk}" if pk is not None else f"name:{login[:254]}"


def _address(request: HttpRequest) -> str:
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def _count_key(subject: str) -> str:
    return f"login-failures:{subject}"


def failures(subject: str) -> int:
    return int(cache.get(_count_key(subject), 0))


def _record_failure(subject: str) -> None:
    key = _count_key(subject)
    # add() starts the window; incr() keeps its expiry. Both are atomic in every cache
    # that is shared between processes.
    if not cache.add(key, 1, WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, WINDOW)


def forget_failures(user: User) -> None:
    """Lift an account's lock: its owner proved who they are (a password reset)."""
    cache.delete(_count_key(f"user:{user.pk}"))


def _known_browsers(request: HttpRequest) -> set[str]:
    try:
        value = signing.loads(
            request.COOKIES.get(KNOWN_BROWSER_COOKIE, ""), salt=_SALT, max_age=KNOWN_BROWSER_AGE
        )
    except signing.BadSignature:
        return set()
    return {str(pk) for pk in value} if isinstance(value, list) else set()


def _refused(request: HttpRequest, account: str) -> HttpResponseBase | None:
    """The 429 page when this attempt is refused before its password is checked."""
    if failures(_address(request)) >= FAILURES_PER_ADDRESS:
        reason = "Too many wrong passwords from your network. Try again in an hour."
        return rate_limited(request, message=reason, retry_after=WINDOW)
    known = account.startswith("user:") and account[5:] in _known_browsers(request)
    if failures(account) >= FAILURES_PER_ACCOUNT and not known:
        reason = (
            "Too many wrong passwords for this account. Try again in an hour, "
            "or reset your password to log in now."
        )
        return rate_limited(request, message=reason, retry_after=WINDOW, offer_reset=True)
    return None


def guarded(login_field: str) -> Callable[[View], View]:
    """Wraps a log-in view whose form sends the username or email as `login_field`.

    A log-in that worked is one where the request's user is signed in after the view.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method != "POST" or request.user.is_authenticated:
                return view(request, *args, **kwargs)
            account = account_key(request.POST.get(login_field, ""))
            if refused := _refused(request, account):
                return refused
            response = view(request, *args, **kwargs)
            if request.user.is_authenticated:
                _remember_browser(request, response, request.user.pk)
            elif response.status_code == 200:  # the form again: a wrong password
                _record_failure(account)
                _record_failure(_address(request))
            return response

        return wrapper

    return decorator


def _remember_browser(request: HttpRequest, response: HttpResponseBase, pk: int) -> None:
    known = sorted(_known_browsers(request) | {str(pk)})[-20:]
    response.set_cookie(
        KNOWN_BROWSER_COOKIE,
        signing.dumps(known, salt=_SALT),
        max_age=KNOWN_BROWSER_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
