"""Who may take part: the checks every write (submit, vote, comment, claim, save) starts with."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from paperwire.accounts.models import Profile
from paperwire.errors import NotAllowed

# Whoever sends a request: a member, or a visitor who is not logged in.
AnyUser = AbstractBaseUser | AnonymousUser


def check_active_member(user: AnyUser) -> None:
    """A signed-in, not banned user whose email address is verified."""
    if not user.is_authenticated:
        raise NotAllowed("Log in to do that.")
    profile = Profile.objects.filter(user_id=user.pk).first()
    if not user.is_active or (profile is not None and profile.banned_at is not None):
        raise NotAllowed("This account is suspended.")
    if profile is None or profile.email_verified_at is None:
        raise NotAllowed("Verify your email address first: follow the link we emailed you.")


def why_not_active_member(user: AbstractBaseUser | AnonymousUser) -> str:
    """Why this user may not take part, or "" when they may: for a form page that shows
    the reason in place of its form."""
    try:
        check_active_member(user)
    except NotAllowed as e:
        return e.message
    return ""


def display_name(user: AbstractBaseUser) -> str:
    """The name pages show for a user: their full name, else their username."""
    profile = getattr(user, "profile", None)
    return (profile.fullname if profile else "") or user.get_username()
