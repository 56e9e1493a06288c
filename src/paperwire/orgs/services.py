"""Organizations: creating one, who may see it, and managing its members.

check_* functions validate and authorize and raise NotAllowed (who) or OrgError (what);
do_* functions change the database. Views, the API and the CLI call the same ones.
"""

import re
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from paperwire.accounts.rules import AnyUser, NotAllowed, check_active_member
from paperwire.errors import InputError
from paperwire.inputs import controls_message, has_controls
from paperwire.orgs.models import Membership, Organization, OrganizationAlias

# Letters, digits, "-" and "_", starting and ending with a letter or digit: the shape of
# the Hugging Face organization names that imports bring in, so both live side by side.
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,98}[A-Za-z0-9])?")
# Names that read as pages of the site rather than as an organization.
RESERVED_NAMES = frozenset(
    """about admin api collections edit help login logout members new orgs organizations
    papers paperwire search settings signup staff static support trending u user users
    """.split()
)
# Organizations one user may have waiting for approval at once: enough for real use,
# too few to fill the staff's review queue with spam.
MAX_PENDING_PER_USER = 3


class OrgError(InputError):
    """Input an organization action cannot accept; the message is shown to the user."""


@dataclass(frozen=True)
class NewOrganization:
    name: str
    fullname: str
    description: str = ""
    website: str = ""


def _visible_members(org: Organization) -> QuerySet[Membership]:
    return org.memberships.filter(user__is_active=True, user__profile__banned_at__isnull=True)


def is_member(org: Organization, user: AnyUser) -> bool:
    return bool(user.is_authenticated and org.memberships.filter(user_id=user.pk).exists())


def is_admin(org: Organization, user: AnyUser) -> bool:
    return bool(
        user.is_authenticated
        and org.memberships.filter(user_id=user.pk, role=Membership.Role.ADMIN).exists()
    )


def can_view(org: Organization, user: AnyUser) -> bool:
    """Approved organizations are public; a pending one only to its members and staff."""
    return org.approved or bool(getattr(user, "is_staff", False)) or is_member(org, user)


def organization_named(name: str, user: AnyUser) -> Organization | None:
    """The organization a URL names (or one of its other names), if this user may see it."""
    org = Organization.objects.filter(name__iexact=name).first()
    if org is None:
        # A name merged into another organization leads there (see orgs.merge).
        alias = OrganizationAlias.objects.select_related("organization").filter(name__iexact=name)
        org = next((a.organization for a in alias[:1]), None)
    if org is None or not can_view(org, user):
        return None
    return org


def check_create_organization(user: AnyUser, new: NewOrganization) -> NewOrganization:
    """Validate a new organization; returns it with its fields cleaned."""
    check_active_member(user)
    name = new.name.strip()
    fullname = " ".join(new.fullname.split())
    website = new.website.strip()
    if not _NAME.fullmatch(name):
        raise OrgError(
            "The short name can use letters, digits, “-” and “_”, starts and ends with a "
            "letter or digit, and is at most 100 characters long."
        )
    if len(name) < 2:
        raise OrgError("The short name needs at least two characters.")
    if name.lower() in RESERVED_NAMES:
        raise OrgError(f"“{name}” is reserved. Choose another short name.")
    if (
        Organization.objects.filter(name__iexact=name).exists()
        or OrganizationAlias.objects.filter(name__iexact=name).exists()
    ):
        raise OrgError(f"The name “{name}” is taken. Choose another short name.")
    if not fullname:
        raise OrgError("Give the organization's full name.")
    if len(fullname) > 200:
        raise OrgError("The full name is at most 200 characters long.")
    if len(new.description) > 2000:
        raise OrgError("The description is at most 2,000 characters long.")
    if has_controls(fullname) or has_controls(new.description):
        raise OrgError(controls_message("The full name or description"))
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            raise OrgError("The website must be an address starting with https://.") from None
    pending = Organization.objects.filter(created_by_id=user.pk, approved=False).count()
    if pending >= MAX_PENDING_PER_USER and not getattr(user, "is_staff", False):
        raise OrgError(
            f"You already have {pending} organizations waiting for approval; "
            "wait until staff have reviewed them."
        )
    return NewOrganization(name, fullname, new.description.strip(), website)


def do_create_organization(user: AnyUser, new: NewOrganization) -> Organization:
    """Create an organization waiting for staff approval, with its creator as admin."""
    new = check_create_organization(user, new)
    assert isinstance(user, User)
    try:
        with transaction.atomic():
            org = Organization.objects.create(
                name=new.name,
                fullname=new.fullname,
                description=new.description,
                website=new.website,
                approved=False,
                created_by=user,
            )
            Membership.objects.create(organization=org, user=user, role=Membership.Role.ADMIN)
    except IntegrityError:
        # Someone took the name between the check and the insert.
        raise OrgError(f"The name “{new.name}” is taken. Choose another short name.") from None
    return org


def do_approve_organizations(orgs: QuerySet[Organization]) -> int:
    return orgs.filter(approved=False).update(approved=True)


def check_manage_members(actor: AnyUser, org: Organization) -> None:
    check_active_member(actor)
    if not (is_admin(org, actor) or getattr(actor, "is_staff", False)):
        raise NotAllowed("Only admins of this organization can manage its members.")


def _locked(org: Organization) -> Organization:
    # Every change of membership locks the organization's row first, so that two admins
    # leaving at the same moment cannot both pass the "last admin" check.
    return Organization.objects.select_for_update().get(pk=org.pk)


def _ensure_another_admin(org: Organization, leaving: Membership) -> None:
    if leaving.role != Membership.Role.ADMIN:
        return
    others = org.memberships.filter(role=Membership.Role.ADMIN).exclude(pk=leaving.pk)
    if not others.exists():
        raise OrgError(
            "An organization needs at least one admin: make another member an admin first."
        )


def do_add_member(actor: AnyUser, org: Organization, username: str) -> Membership:
    check_manage_members(actor, org)
    username = username.strip().removeprefix("@")
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if not username or user is None or user.profile.banned_at is not None:
        raise OrgError(f"There is no member called “{username}”.")
    with transaction.atomic():
        _locked(org)
        if org.memberships.filter(user=user).exists():
            raise OrgError(f"{user.get_username()} is already a member.")
        return Membership.objects.create(organization=org, user=user, role=Membership.Role.MEMBER)


def _membership(org: Organization, username: str) -> Membership:
    membership = (
        org.memberships.select_related("user").filter(user__username__iexact=username).first()
    )
    if membership is None:
        raise OrgError(f"{username} is not a member of {org}.")
    return membership


def do_remove_member(actor: AnyUser, org: Organization, username: str) -> None:
    """An admin removes a member, or a member leaves (removes themselves)."""
    check_active_member(actor)
    with transaction.atomic():
        _locked(org)
        membership = _membership(org, username)
        if membership.user_id != actor.pk:
            check_manage_members(actor, org)
        _ensure_another_admin(org, membership)
        membership.delete()


def do_set_role(actor: AnyUser, org: Organization, username: str, role: str) -> Membership:
    """Make a member an admin, or an admin a plain member (never the last admin)."""
    if role not in Membership.Role.values:
        raise OrgError("Choose the role admin or member.")
    check_manage_members(actor, org)
    with transaction.atomic():
        _locked(org)
        membership = _membership(org, username)
        if role == Membership.Role.MEMBER:
            _ensure_another_admin(org, membership)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def members_for_page(org: Organization) -> list[Membership]:
    """Members a page lists (banned users left out), admins first."""
    return list(
        _visible_members(org)
        .select_related("user__profile")
        .order_by("role", "user__username")  # "admin" sorts before "member"
    )
