"""Accounts: signing up, verifying an email address, logging in, settings, banning.

`check_*` validates and authorizes, raising AccountError (bad input, with the form field
it belongs to) or NotAllowed; `do_*` changes state. Views, forms and the admin call these
same functions.
"""

import re

from django.contrib.auth.models import AbstractBaseUser, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from paperwire.accounts import tokens
from paperwire.accounts.models import Profile
from paperwire.accounts.rules import AnyUser, NotAllowed
from paperwire.emails import absolute_url, send_email
from paperwire.errors import InputError

USERNAME_MAX_LENGTH = 40
# Names that would read as the site speaking, or clash with a page's address.
RESERVED_USERNAMES = frozenset(
    """
    about accounts admin administrator anonymous api collections feed help login logout
    me mod moderator new null orgs papers paperwire password root security settings
    signup staff static submit support system trending u undefined user users verify www
    """.split()
)
_USERNAME = re.compile(r"[A-Za-z0-9._+-]+")
WRONG_LOGIN = "That username or email and password don't match an account."
SUSPENDED = "This account is suspended."


class AccountError(InputError):
    """Input an account cannot take."""


# ---------- Sign-up ----------


def check_username(username: str) -> None:
    if not username:
        raise AccountError("Choose a username.", "username")
    if len(username) > USERNAME_MAX_LENGTH:
        raise AccountError(
            f"Keep it to {USERNAME_MAX_LENGTH} characters (this is {len(username)}).", "username"
        )
    # Django allows "@", but here a username must never be mistaken for an email address
    # at log-in, nor break an @mention.
    if "@" in username:
        raise AccountError("A username cannot contain “@”.", "username")
    # Latin letters only: "alice" with a Cyrillic "a", or "alicé", would pass for "alice"
    # in every font, on a profile, a comment or a submission.
    if not _USERNAME.fullmatch(username):
        raise AccountError(
            "Use only the letters a-z, digits and the characters . _ + -", "username"
        )
    if username.lower() in RESERVED_USERNAMES:
        raise AccountError(f"“{username}” is reserved: choose another username.", "username")
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(f"The username “{username}” is taken.", "username")
    if look_alike := User.objects.filter(username__iregex=_look_alikes(username)).first():
        raise AccountError(
            f"“{username}” is too like the username “{look_alike.username}”: choose another.",
            "username",
        )


def _look_alikes(username: str) -> str:
    """A regular expression for the usernames that read the same: O and 0; l, I and 1."""
    classes = {"o": "[o0]", "0": "[o0]", "l": "[l1i]", "1": "[l1i]", "i": "[l1i]"}
    return "^" + "".join(classes.get(c, re.escape(c)) for c in username.lower()) + "$"


def check_email_free(email: str, user: AbstractBaseUser | None = None) -> None:
    taken = User.objects.filter(email__iexact=email)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise AccountError(
            "An account with this email address exists: log in, or reset its password.", "email"
        )


def check_password_rules(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise AccountError(" ".join(e.messages), "password1") from None


def check_sign_up(username: str, email: str, password: str) -> None:
    check_username(username)
    check_email_free(email)
    check_password_rules(password, User(username=username, email=email))


def do_sign_up(
    username: str, email: str, password: str, *, request: HttpRequest | None = None
) -> User:
    """A new member (their Profile comes from a signal), and a verification email."""
    check_sign_up(username, email, password)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username, email, password)
    except IntegrityError:
        # The same name, taken by another sign-up a moment ago.
        raise AccountError(f"The username “{username}” is taken.", "username") from None
    send_verification(user, request=request)
    return user


# ---------- Email verification ----------


def send_verification(
    user: User, *, request: HttpRequest | None = None, email: str = "verify-email"
) -> None:
    """Email a link that verifies the user's current address (`email`: the template name).

    Anyone can type any address, so the message carries nothing the member wrote (no
    name, no username): it must not be a way to send one's own words to a stranger.
    """
    token = tokens.make_token(user.pk, user.email)
    link = absolute_url(reverse("accounts:verify_email", args=[token]), request)
    context = {"user": user, "link": link, "days": 3}
    send_email(email, user.email, context, request=request)


def check_resend_verification(user: AnyUser) -> None:
    if not user.is_authenticated:
        raise NotAllowed("Log in to get a new link.")
    profile, _ = Profile.objects.get_or_create(user_id=user.pk)
    if not user.is_active or profile.banned_at is not None:
        raise NotAllowed(SUSPENDED)
    if profile.email_verified_at is not None:
        raise AccountError("Your email address is already verified.")
    if not getattr(user, "email", ""):
        raise AccountError("Add an email address in your settings first.")


def do_resend_verification(user: AnyUser, *, request: HttpRequest | None = None) -> None:
    check_resend_verification(user)
    assert isinstance(user, User)
    send_verification(user, request=request)


def user_of_expired_link(token: str) -> User | None:
    """The member a genuine but expired link was for, while that address is still theirs."""
    try:
        verification = tokens.read_token(token, max_age=None)
    except tokens.BadToken:
        return None
    user = User.objects.filter(pk=verification.user_id).first()
    if user is None or user.email.lower() != verification.email.lower():
        return None
    return user


def do_verify_email(token: str) -> User:
    """Mark the address in the link verified; raises tokens.BadToken with a reason."""
    verification = tokens.read_token(token)
    user = User.objects.filter(pk=verification.user_id).select_related("profile").first()
    if user is None:
        raise tokens.BadToken("This link is for an account that no longer exists.")
    if user.email.lower() != verification.email.lower():
        raise tokens.BadToken(
            "This link is for an email address that has changed since it was sent: "
            "use the link in the latest email.",
            user_id=user.pk,
        )
    if not user.is_active or user.profile.banned_at is not None:
        raise tokens.BadToken(SUSPENDED)
    # A second click on the same link changes nothing and keeps the first time.
    Profile.objects.filter(user=user, email_verified_at__isnull=True).update(
        email_verified_at=timezone.now()
    )
    user.profile.refresh_from_db()
    return user


# ---------- Log-in ----------


def authenticate_member(login: str, password: str) -> User:
    """The user whose username or email is `login` and whose password this is.

    A banned or deactivated account is told it is suspended, but only after the right
    password: a wrong guess learns nothing about the account.
    """
    login = login.strip()
    candidates = list(
        User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login)).select_related(
            "profile"
        )[:5]
    )
    if not candidates:
        # Hash anyway, so that the time taken does not tell who has an account.
        User().set_password(password)
        raise AccountError(WRONG_LOGIN)
    for user in candidates:
        if user.check_password(password):
            profile = getattr(user, "profile", None)
            if not user.is_active or (profile is not None and profile.banned_at is not None):
                raise AccountError(SUSPENDED)
            return user
    raise AccountError(WRONG_LOGIN)


# ---------- Settings ----------


def do_update_profile(user: User, *, fullname: str, bio: str) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.fullname = fullname.strip()
    profile.bio = bio.strip()
    profile.save(update_fields=["fullname", "bio"])
    return profile


def check_change_email(user: User, email: str, password: str) -> None:
    # The password guards the account against a borrowed, still-logged-in browser.
    if not user.check_password(password):
        raise AccountError("That is not your current password.", "password")
    if email.lower() == user.email.lower():
        raise AccountError("That is already your email address.", "email")
    check_email_free(email, user)


def do_change_email(
    user: User, email: str, password: str, *, request: HttpRequest | None = None
) -> None:
    """Switch to a new address, unverified until the link sent to it is followed."""
    check_change_email(user, email, password)
    with transaction.atomic():
        user.email = email
        user.save(update_fields=["email"])
        Profile.objects.filter(user=user).update(email_verified_at=None)
    send_verification(user, request=request, email="email-change")


# ---------- Moderation ----------


def check_ban(actor: AnyUser, target: User) -> None:
    if not actor.is_authenticated or not getattr(actor, "is_staff", False):
        raise NotAllowed("Only staff can ban or unban users.")
    if actor.pk == target.pk:
        raise NotAllowed("You cannot ban or unban yourself.")
    if target.is_superuser and not getattr(actor, "is_superuser", False):
        raise NotAllowed(f"Only a superuser can ban or unban {target.username}, a superuser.")


def do_ban_user(actor: AnyUser, target: User) -> bool:
    """Suspend `target`: no log-in, and their content leaves public pages. True if changed.

    Their rows stay (an unban restores everything); an open session ends at its next
    request, because Django signs inactive users out.
    """
    check_ban(actor, target)
    with transaction.atomic():
        changed = Profile.objects.filter(user=target, banned_at__isnull=True).update(
            banned_at=timezone.now()
        )
        User.objects.filter(pk=target.pk).update(is_active=False)
    target.is_active = False
    return bool(changed)


def do_unban_user(actor: AnyUser, target: User) -> bool:
    check_ban(actor, target)
    with transaction.atomic():
        changed = Profile.objects.filter(user=target, banned_at__isnull=False).update(
            banned_at=None
        )
        User.objects.filter(pk=target.pk).update(is_active=True)
    target.is_active = True
    return bool(changed)
