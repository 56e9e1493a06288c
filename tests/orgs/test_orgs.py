"""Organizations: the list, an organization's page, creating one, approval, members.

Alice runs the Sparse Lab; Bob is a member of it; Carol is not; Nora has not verified
her email address; Sam is staff.
"""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from paperwire.orgs import services as orgs
from paperwire.orgs.models import Membership, Organization
from tests.builders import make_paper, put_on_feed
from tests.personas import CsrfClient, logged_in, make_user

pytestmark = pytest.mark.django_db


def make_lab(*, approved: bool = True, admin: User | None = None, **fields: object) -> Organization:
    org = Organization.objects.create(
        name=str(fields.pop("name", "sparse-lab")),
        fullname=str(fields.pop("fullname", "The Sparse Lab")),
        approved=approved,
        **fields,
    )
    if admin is not None:
        Membership.objects.create(organization=org, user=admin, role=Membership.Role.ADMIN)
    return org


def join(org: Organization, user: User, role: str = Membership.Role.MEMBER) -> Membership:
    return Membership.objects.create(organization=org, user=user, role=role)


def roles(org: Organization) -> dict[str, str]:
    return dict(org.memberships.values_list("user__username", "role"))


# ---------- The list of organizations ----------


def test_the_list_shows_approved_organizations_with_their_paper_counts(client: Client) -> None:
    lab = make_lab()
    make_lab(name="pending-lab", fullname="Pending Lab", approved=False)
    put_on_feed(make_paper("2508.00001"), date(2026, 8, 20), organization=lab)
    put_on_feed(make_paper("2508.00002"), date(2026, 8, 21), organization=lab)
    put_on_feed(make_paper("2508.00003"), date(2026, 8, 21), organization=lab, hidden=True)

    response = client.get("/orgs")

    html = response.content.decode()
    assert response.status_code == 200
    assert "The Sparse Lab" in html
    assert "2 papers" in html
    assert "Pending Lab" not in html


def test_the_list_says_so_when_there_are_no_organizations(client: Client) -> None:
    response = client.get("/orgs")

    assert "No organizations yet" in response.content.decode()


# ---------- An organization's page ----------


def test_an_organization_page_shows_its_details_members_and_papers(client: Client) -> None:
    alice = make_user("alice", fullname="Alice Liddell")
    bob = make_user("bob", fullname="Bob Bobson")
    lab = make_lab(
        admin=alice, description="We make attention sparse.", website="https://sparse.example"
    )
    join(lab, bob)
    put_on_feed(make_paper("2508.00001", "Sparse Attention"), date(2026, 8, 21), organization=lab)
    put_on_feed(make_paper("2508.00002", "Not Ours"), date(2026, 8, 21))

    response = client.get("/orgs/sparse-lab")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="org-header__title">The Sparse Lab</h1>' in html
    assert "We make attention sparse." in html
    assert 'href="https://sparse.example"' in html
    assert "Alice Liddell" in html
    assert "Bob Bobson" in html
    assert html.index("Alice Liddell") < html.index("Bob Bobson")  # admins first
    assert '<span class="role-badge">Admin</span>' in html
    assert "Sparse Attention" in html
    assert "Not Ours" not in html
    assert "Waiting for approval" not in html


def test_papers_sort_by_newest_or_by_upvotes(client: Client) -> None:
    lab = make_lab()
    put_on_feed(
        make_paper("2508.00001", "Older But Loved", upvotes=50), date(2026, 8, 1), organization=lab
    )
    put_on_feed(make_paper("2508.00002", "Newer", upvotes=3), date(2026, 8, 21), organization=lab)

    newest = client.get("/orgs/sparse-lab").content.decode()
    top = client.get("/orgs/sparse-lab?sort=top").content.decode()

    assert newest.index("Newer") < newest.index("Older But Loved")
    assert top.index("Older But Loved") < top.index("Newer")


def test_papers_are_paginated(client: Client) -> None:
    lab = make_lab()
    for n in range(1, 23):
        put_on_feed(
            make_paper(f"2508.{n:05d}", f"Paper number {n}"), date(2026, 8, n), organization=lab
        )

    first = client.get("/orgs/sparse-lab").content.decode()
    second = client.get("/orgs/sparse-lab?page=2").content.decode()

    assert "Page 1 of 2" in first
    assert "Paper number 22" in first and "Paper number 2<" not in first
    assert "Paper number 1<" in second and "Paper number 22" not in second


def test_papers_of_banned_submitters_leave_the_page(client: Client) -> None:
    mallory = make_user("mallory")
    mallory.profile.banned_at = timezone.now()
    mallory.profile.save()
    lab = make_lab()
    put_on_feed(
        make_paper("2508.00001", "Spam"), date(2026, 8, 21), organization=lab, submitted_by=mallory
    )

    assert "Spam" not in client.get("/orgs/sparse-lab").content.decode()


def test_an_organization_without_papers_says_so(client: Client) -> None:
    make_lab()

    assert "No papers yet" in client.get("/orgs/sparse-lab").content.decode()


def test_an_imported_organization_without_members_has_a_page(client: Client) -> None:
    make_lab(name="deepmind", fullname="Google DeepMind", avatar_url="https://cdn.example/dm.png")

    response = client.get("/orgs/deepmind")

    assert response.status_code == 200
    # Its logo is never hotlinked: a monogram until the worker stores a copy.
    assert "cdn.example" not in response.content.decode()
    assert "No members" in response.content.decode()


def test_the_name_in_the_address_is_case_insensitive(client: Client) -> None:
    make_lab()

    response = client.get("/orgs/Sparse-Lab")

    assert response.status_code == 301
    assert response["Location"] == "/orgs/sparse-lab"


def test_an_unknown_organization_is_not_found(client: Client) -> None:
    assert client.get("/orgs/nobody").status_code == 404


def test_a_pending_organization_is_not_found_for_the_public(client: Client) -> None:
    make_lab(approved=False)

    assert client.get("/orgs/sparse-lab").status_code == 404
    assert client.get("/orgs/sparse-lab").status_code == 404
    assert logged_in(client, make_user("carol")).get("/orgs/sparse-lab").status_code == 404


def test_a_pending_organization_shows_its_members_a_waiting_callout(client: Client) -> None:
    alice = make_user("alice")
    make_lab(approved=False, admin=alice)

    response = logged_in(client, alice).get("/orgs/sparse-lab")

    assert response.status_code == 200
    assert "Waiting for approval" in response.content.decode()


def test_staff_see_a_pending_organization(client: Client) -> None:
    make_lab(approved=False)

    response = logged_in(client, make_user("sam", staff=True)).get("/orgs/sparse-lab")

    assert response.status_code == 200
    assert "Waiting for approval" in response.content.decode()


# ---------- Creating an organization ----------


def create_form(**fields: str) -> dict[str, str]:
    return {
        "name": "sparse-lab",
        "fullname": "The Sparse Lab",
        "description": "We make attention sparse.",
        "website": "sparse.example",
        **fields,
    }


def test_creating_requires_login(client: Client) -> None:
    response = client.get("/orgs/new")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_member_creates_an_organization_waiting_for_approval(csrf_client: CsrfClient) -> None:
    alice = make_user("alice")
    logged_in(csrf_client, alice)

    response = csrf_client.post_form("/orgs/new", create_form())

    org = Organization.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/orgs/sparse-lab"
    assert (org.name, org.fullname, org.website) == (
        "sparse-lab",
        "The Sparse Lab",
        "https://sparse.example",
    )
    assert not org.approved
    assert org.created_by == alice
    assert roles(org) == {"alice": "admin"}
    page = csrf_client.get(response["Location"]).content.decode()
    assert "Staff will review it" in page
    assert "Waiting for approval" in page


def test_creating_requires_a_csrf_token(csrf_client: CsrfClient) -> None:
    logged_in(csrf_client, make_user("alice"))

    response = csrf_client.post("/orgs/new", create_form())

    assert response.status_code == 403
    assert not Organization.objects.exists()


def test_an_unverified_user_cannot_create_an_organization(csrf_client: CsrfClient) -> None:
    logged_in(csrf_client, make_user("nora", verified=False))

    page = csrf_client.get("/orgs/new").content.decode()
    response = csrf_client.post_form("/orgs/new", create_form())

    assert "Verify your email address first" in page
    assert response.status_code == 200
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("new", "“new” is reserved"),
        ("Admin", "“Admin” is reserved"),
        ("SPARSE-LAB", "The name “SPARSE-LAB” is taken"),
        ("sparse lab", "The short name can use letters, digits"),
        ("-sparse", "The short name can use letters, digits"),
        ("x", "at least two characters"),
    ],
)
def test_a_bad_or_taken_name_is_refused(csrf_client: CsrfClient, name: str, message: str) -> None:
    make_lab()
    logged_in(csrf_client, make_user("alice"))

    response = csrf_client.post_form("/orgs/new", create_form(name=name))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Organization.objects.count() == 1


def test_a_website_that_is_not_a_web_address_is_refused(csrf_client: CsrfClient) -> None:
    logged_in(csrf_client, make_user("alice"))

    response = csrf_client.post_form("/orgs/new", create_form(website="javascript:alert(1)"))

    assert response.status_code == 200
    assert not Organization.objects.exists()


def test_one_user_has_only_a_few_organizations_waiting(csrf_client: CsrfClient) -> None:
    alice = make_user("alice")
    for n in range(orgs.MAX_PENDING_PER_USER):
        make_lab(name=f"lab-{n}", approved=False, created_by=alice)
    logged_in(csrf_client, alice)

    response = csrf_client.post_form("/orgs/new", create_form())

    assert "waiting for approval" in response.content.decode()
    assert not Organization.objects.filter(name="sparse-lab").exists()


def test_user_content_is_escaped(client: Client) -> None:
    make_lab(fullname="<script>alert(1)</script>", description="<b>bold</b>")

    html = client.get("/orgs/sparse-lab").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html


# ---------- Approval in the admin ----------


def test_staff_approve_organizations_in_the_admin(admin_client: Client) -> None:
    lab = make_lab(approved=False)

    response = admin_client.post(
        "/admin/orgs/organization/",
        {"action": "approve", "_selected_action": [lab.pk]},
        follow=True,
    )

    lab.refresh_from_db()
    assert lab.approved
    assert "Approved 1 organization." in response.content.decode()
    assert Client().get("/orgs/sparse-lab").status_code == 200


def test_an_organization_opens_in_the_admin_with_its_members(admin_client: Client) -> None:
    lab = make_lab(admin=make_user("alice"))

    response = admin_client.get(f"/admin/orgs/organization/{lab.pk}/change/")

    assert response.status_code == 200
    assert "Memberships" in response.content.decode()


# ---------- Managing members ----------


@pytest.fixture
def lab(alice: User) -> Organization:
    """The Sparse Lab, approved, with Alice its admin."""
    return make_lab(admin=alice)


def test_an_admin_adds_a_member_by_username(
    csrf_client: CsrfClient, alice: User, bob: User, lab: Organization
) -> None:
    logged_in(csrf_client, alice)

    response = csrf_client.post_form("/orgs/sparse-lab/members", {"username": "@Bob"})

    assert response.status_code == 302
    assert roles(lab) == {"alice": "admin", "bob": "member"}
    assert "bob is now a member" in csrf_client.get(response["Location"]).content.decode()


def test_a_non_admin_cannot_add_members(
    csrf_client: CsrfClient, bob: User, lab: Organization
) -> None:
    make_user("carol")
    join(lab, bob)
    logged_in(csrf_client, bob)

    response = csrf_client.post_form("/orgs/sparse-lab/members", {"username": "carol"}, follow=True)

    assert "Only admins of this organization can manage its members." in response.content.decode()
    assert "carol" not in roles(lab)


def test_a_non_admin_sees_no_member_management(
    client: Client, bob: User, lab: Organization
) -> None:
    join(lab, bob)

    html = logged_in(client, bob).get("/orgs/sparse-lab").content.decode()

    assert "Add a member" not in html
    assert "Make admin" not in html
    assert "Leave organization" in html


def test_adding_an_unknown_or_existing_member_is_refused(
    csrf_client: CsrfClient, alice: User, lab: Organization
) -> None:
    logged_in(csrf_client, alice)

    unknown = csrf_client.post_form("/orgs/sparse-lab/members", {"username": "ghost"}, follow=True)
    again = csrf_client.post_form("/orgs/sparse-lab/members", {"username": "alice"}, follow=True)

    assert "There is no member called “ghost”." in unknown.content.decode()
    assert "alice is already a member." in again.content.decode()
    assert roles(lab) == {"alice": "admin"}


def test_managing_members_requires_a_csrf_token(
    csrf_client: CsrfClient, alice: User, bob: User, lab: Organization
) -> None:
    logged_in(csrf_client, alice)

    response = csrf_client.post("/orgs/sparse-lab/members", {"username": "bob"})

    assert response.status_code == 403
    assert roles(lab) == {"alice": "admin"}


def test_managing_members_requires_login(csrf_client: CsrfClient) -> None:
    make_lab()

    response = csrf_client.post_form("/orgs/sparse-lab/members", {"username": "bob"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_admin_promotes_a_member_and_removes_one(
    csrf_client: CsrfClient, alice: User, bob: User, lab: Organization
) -> None:
    join(lab, bob)
    join(lab, make_user("carol"))
    logged_in(csrf_client, alice)

    csrf_client.post_form("/orgs/sparse-lab/members/bob/role", {"role": "admin"})
    csrf_client.post_form("/orgs/sparse-lab/members/carol/remove")

    assert roles(lab) == {"alice": "admin", "bob": "admin"}


def test_a_member_can_leave(csrf_client: CsrfClient, bob: User, lab: Organization) -> None:
    join(lab, bob)
    logged_in(csrf_client, bob)

    response = csrf_client.post_form("/orgs/sparse-lab/members/bob/remove", follow=True)

    assert "You left The Sparse Lab." in response.content.decode()
    assert roles(lab) == {"alice": "admin"}


def test_a_member_cannot_remove_someone_else(
    csrf_client: CsrfClient, bob: User, lab: Organization
) -> None:
    join(lab, bob)
    logged_in(csrf_client, bob)

    csrf_client.post_form("/orgs/sparse-lab/members/alice/remove")

    assert roles(lab) == {"alice": "admin", "bob": "member"}


def test_the_last_admin_cannot_leave_or_step_down(
    csrf_client: CsrfClient, alice: User, bob: User, lab: Organization
) -> None:
    join(lab, bob)
    logged_in(csrf_client, alice)

    leave = csrf_client.post_form("/orgs/sparse-lab/members/alice/remove", follow=True)
    demote = csrf_client.post_form(
        "/orgs/sparse-lab/members/alice/role", {"role": "member"}, follow=True
    )

    assert "An organization needs at least one admin" in leave.content.decode()
    assert "An organization needs at least one admin" in demote.content.decode()
    assert roles(lab) == {"alice": "admin", "bob": "member"}


def test_an_admin_can_leave_once_there_is_another(
    csrf_client: CsrfClient, alice: User, bob: User, lab: Organization
) -> None:
    join(lab, bob, Membership.Role.ADMIN)
    logged_in(csrf_client, alice)

    csrf_client.post_form("/orgs/sparse-lab/members/alice/remove")

    assert roles(lab) == {"bob": "admin"}


def test_leaving_a_pending_organization_lands_on_the_list(
    csrf_client: CsrfClient, alice: User, bob: User
) -> None:
    lab = make_lab(approved=False, admin=alice)
    join(lab, bob)
    logged_in(csrf_client, bob)

    response = csrf_client.post_form("/orgs/sparse-lab/members/bob/remove")

    assert response["Location"] == "/orgs"


def test_an_unknown_role_is_refused(
    csrf_client: CsrfClient, alice: User, bob: User, lab: Organization
) -> None:
    join(lab, bob)
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(
        "/orgs/sparse-lab/members/bob/role", {"role": "owner"}, follow=True
    )

    assert "Choose the role admin or member." in response.content.decode()
    assert roles(lab)["bob"] == "member"


def test_banned_members_leave_the_member_list(client: Client, lab: Organization) -> None:
    mallory = make_user("mallory", fullname="Mallory Mischief")
    join(lab, mallory)
    mallory.profile.banned_at = timezone.now()
    mallory.profile.save()

    assert "Mallory Mischief" not in client.get("/orgs/sparse-lab").content.decode()
