"""Authorship claims: Alice claims to be Ada Lovelace on a paper, staff (Sam) verify it in the
admin, and the author name then links to her profile. Bob is another member; Nora has not
verified her email address."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from paperwire.papers import claims
from paperwire.papers.models import Author, AuthorClaim, Paper
from tests.builders import make_paper
from tests.personas import CsrfClient, logged_in, make_user

pytestmark = pytest.mark.django_db

Status = AuthorClaim.Status


@pytest.fixture
def paper() -> Paper:
    return make_paper("2502.08025", "Sparse Attention", authors=["Ada Lovelace", "Alan Turing"])


def author(name: str) -> Author:
    return Author.objects.get(name=name)


def claim(user: User, paper: Paper, name: str, status: str = Status.PENDING) -> AuthorClaim:
    return AuthorClaim.objects.create(user=user, paper=paper, author=author(name), status=status)


def claim_as(csrf_client: CsrfClient, name: str, follow: bool = True):  # type: ignore[no-untyped-def]
    return csrf_client.post_form(
        "/papers/2502.08025/claim", {"author": str(author(name).pk)}, follow=follow
    )


# ---------- The panel on the paper page ----------


def test_visitors_are_invited_to_log_in(client: Client, paper: Paper) -> None:
    html = client.get("/papers/2502.08025").content.decode()

    assert "Are you an author?" in html
    assert 'name="author"' not in html


def test_a_member_chooses_their_name_from_the_author_list(client: Client, paper: Paper) -> None:
    html = logged_in(client, make_user("alice")).get("/papers/2502.08025").content.decode()

    assert "Are you an author?" in html
    assert f'<option value="{author("Ada Lovelace").pk}">Ada Lovelace</option>' in html
    assert f'<option value="{author("Alan Turing").pk}">Alan Turing</option>' in html


def test_an_unverified_user_is_told_to_verify_first(client: Client, paper: Paper) -> None:
    html = logged_in(client, make_user("nora", verified=False)).get("/papers/2502.08025")

    assert "Verify your email address first" in html.content.decode()
    assert 'name="author"' not in html.content.decode()


def test_a_paper_without_authors_has_no_panel(client: Client) -> None:
    make_paper("2502.08026", authors=[])

    html = logged_in(client, make_user("alice")).get("/papers/2502.08026").content.decode()

    assert "Are you an author?" not in html


# ---------- Claiming ----------


def test_a_member_claims_authorship(csrf_client: CsrfClient, paper: Paper) -> None:
    alice = make_user("alice")
    logged_in(csrf_client, alice)

    response = claim_as(csrf_client, "Ada Lovelace")

    html = response.content.decode()
    made = AuthorClaim.objects.get()
    assert (made.user, made.paper, made.author.name, made.status) == (
        alice,
        paper,
        "Ada Lovelace",
        Status.PENDING,
    )
    assert response.redirect_chain[-1][0] == "/papers/2502.08025#claim"
    assert "Staff will check that you are Ada Lovelace" in html
    assert "Waiting for review" in html
    assert 'name="author"' not in html  # one claim at a time


def test_claiming_requires_login(csrf_client: CsrfClient, paper: Paper) -> None:
    response = claim_as(csrf_client, "Ada Lovelace", follow=False)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not AuthorClaim.objects.exists()


def test_claiming_requires_a_csrf_token(csrf_client: CsrfClient, paper: Paper) -> None:
    logged_in(csrf_client, make_user("alice"))

    response = csrf_client.post("/papers/2502.08025/claim", {"author": author("Ada Lovelace").pk})

    assert response.status_code == 403
    assert not AuthorClaim.objects.exists()


def test_claiming_is_a_post(client: Client, paper: Paper) -> None:
    logged_in(client, make_user("alice"))

    assert client.get("/papers/2502.08025/claim").status_code == 405


def test_an_unverified_user_cannot_claim(csrf_client: CsrfClient, paper: Paper) -> None:
    logged_in(csrf_client, make_user("nora", verified=False))

    response = claim_as(csrf_client, "Ada Lovelace")

    assert "Verify your email address first" in response.content.decode()
    assert not AuthorClaim.objects.exists()


def test_a_name_that_is_not_an_author_of_the_paper_is_refused(
    csrf_client: CsrfClient, paper: Paper
) -> None:
    make_paper("2502.09999", authors=["Grace Hopper"])
    logged_in(csrf_client, make_user("alice"))

    response = claim_as(csrf_client, "Grace Hopper")

    assert "Grace Hopper is not an author of this paper." in response.content.decode()
    assert not AuthorClaim.objects.exists()


def test_a_missing_author_is_refused(csrf_client: CsrfClient, paper: Paper) -> None:
    logged_in(csrf_client, make_user("alice"))

    response = csrf_client.post_form("/papers/2502.08025/claim", {"author": "x"}, follow=True)

    assert "Choose your name from the paper" in response.content.decode()
    assert not AuthorClaim.objects.exists()


def test_the_same_claim_twice_is_refused(csrf_client: CsrfClient, paper: Paper) -> None:
    logged_in(csrf_client, make_user("alice"))

    claim_as(csrf_client, "Ada Lovelace")
    response = claim_as(csrf_client, "Ada Lovelace")

    assert "You have already claimed Ada Lovelace on this paper." in response.content.decode()
    assert AuthorClaim.objects.count() == 1


def test_a_second_name_on_the_same_paper_is_refused(csrf_client: CsrfClient, paper: Paper) -> None:
    alice = make_user("alice")
    claim(alice, paper, "Ada Lovelace")
    logged_in(csrf_client, alice)

    response = claim_as(csrf_client, "Alan Turing")

    assert "withdraw that claim first" in response.content.decode()
    assert AuthorClaim.objects.count() == 1


def test_a_name_verified_as_someone_else_is_refused(csrf_client: CsrfClient, paper: Paper) -> None:
    claim(make_user("bob"), paper, "Ada Lovelace", Status.VERIFIED)
    logged_in(csrf_client, make_user("alice"))

    response = claim_as(csrf_client, "Ada Lovelace")

    assert "already verified as another member" in response.content.decode()
    assert AuthorClaim.objects.count() == 1


def test_a_turned_down_claim_cannot_be_made_again(csrf_client: CsrfClient, paper: Paper) -> None:
    alice = make_user("alice")
    claim(alice, paper, "Ada Lovelace", Status.REJECTED)
    logged_in(csrf_client, alice)

    page = csrf_client.get("/papers/2502.08025").content.decode()
    response = claim_as(csrf_client, "Ada Lovelace")

    assert "Not confirmed" in page
    assert ">Ada Lovelace</option>" not in page
    assert ">Alan Turing</option>" in page
    assert "was turned down" in response.content.decode()


def test_a_member_withdraws_a_pending_claim(csrf_client: CsrfClient, paper: Paper) -> None:
    alice = make_user("alice")
    mine = claim(alice, paper, "Ada Lovelace")
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(f"/papers/2502.08025/claim/{mine.pk}/withdraw", follow=True)

    assert "Your claim was withdrawn." in response.content.decode()
    assert not AuthorClaim.objects.exists()


def test_a_verified_claim_cannot_be_withdrawn(csrf_client: CsrfClient, paper: Paper) -> None:
    alice = make_user("alice")
    mine = claim(alice, paper, "Ada Lovelace", Status.VERIFIED)
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(f"/papers/2502.08025/claim/{mine.pk}/withdraw", follow=True)

    assert "Only a claim waiting for review can be withdrawn." in response.content.decode()
    assert AuthorClaim.objects.filter(status=Status.VERIFIED).exists()


def test_someone_elses_claim_cannot_be_withdrawn(csrf_client: CsrfClient, paper: Paper) -> None:
    bobs = claim(make_user("bob"), paper, "Ada Lovelace")
    logged_in(csrf_client, make_user("alice"))

    response = csrf_client.post_form(f"/papers/2502.08025/claim/{bobs.pk}/withdraw")

    assert response.status_code == 404
    assert AuthorClaim.objects.exists()


# ---------- Review in the admin ----------


def review(admin_client: Client, action: str, *claimed: AuthorClaim):  # type: ignore[no-untyped-def]
    return admin_client.post(
        "/admin/papers/authorclaim/",
        {"action": action, "_selected_action": [c.pk for c in claimed]},
        follow=True,
    )


def test_staff_verify_a_claim_and_the_author_name_links_to_the_profile(
    admin_client: Client, paper: Paper
) -> None:
    alice = make_user("alice")
    pending = claim(alice, paper, "Ada Lovelace")
    staff = User.objects.get(username="admin")

    response = review(admin_client, "verify", pending)

    pending.refresh_from_db()
    assert "Verified 1 claim." in response.content.decode()
    assert pending.status == Status.VERIFIED
    assert pending.reviewed_by == staff
    assert pending.reviewed_at is not None
    html = Client().get("/papers/2502.08025").content.decode()
    profile = reverse("profiles:profile", args=["alice"])
    assert f'<a class="author-link" href="{profile}">Ada Lovelace</a>' in html
    assert "(verified author)" in html
    assert "<li>Alan Turing</li>" in html
    assert list(claims.authored_papers(alice)) == [paper]


def test_staff_reject_a_claim(admin_client: Client, paper: Paper) -> None:
    pending = claim(make_user("alice"), paper, "Ada Lovelace")

    response = review(admin_client, "reject", pending)

    pending.refresh_from_db()
    assert "Rejected 1 claim." in response.content.decode()
    assert pending.status == Status.REJECTED
    assert pending.reviewed_at is not None
    assert "author-link" not in Client().get("/papers/2502.08025").content.decode()


def test_verifying_a_second_user_for_the_same_name_fails_with_a_message(
    admin_client: Client, paper: Paper
) -> None:
    claim(make_user("bob"), paper, "Ada Lovelace", Status.VERIFIED)
    alices = claim(make_user("alice"), paper, "Ada Lovelace")

    response = review(admin_client, "verify", alices)

    alices.refresh_from_db()
    assert response.status_code == 200
    assert "already verified as another member" in response.content.decode()
    assert alices.status == Status.PENDING


def test_verifying_two_rival_claims_at_once_verifies_only_one(
    admin_client: Client, paper: Paper
) -> None:
    first = claim(make_user("alice"), paper, "Ada Lovelace")
    second = claim(make_user("bob"), paper, "Ada Lovelace")

    response = review(admin_client, "verify", first, second)

    assert "Verified 1 claim." in response.content.decode()
    assert AuthorClaim.objects.filter(status=Status.VERIFIED).count() == 1


def test_claims_can_be_filtered_by_status_in_the_admin(admin_client: Client, paper: Paper) -> None:
    claim(make_user("alice"), paper, "Ada Lovelace")
    claim(make_user("bob"), paper, "Alan Turing", Status.REJECTED)

    response = admin_client.get("/admin/papers/authorclaim/?status__exact=pending")

    assert response.status_code == 200
    assert "1 author claim" in response.content.decode()


def test_a_claim_opens_in_the_admin(admin_client: Client, paper: Paper) -> None:
    pending = claim(make_user("alice"), paper, "Ada Lovelace")

    assert admin_client.get(f"/admin/papers/authorclaim/{pending.pk}/change/").status_code == 200


def test_only_staff_review_claims(paper: Paper) -> None:
    pending = claim(make_user("alice"), paper, "Ada Lovelace")

    with pytest.raises(claims.NotAllowed):
        claims.do_verify_claim(make_user("bob"), pending)


# ---------- Author names on the paper page ----------


def test_a_banned_authors_name_does_not_link(client: Client, paper: Paper) -> None:
    alice = make_user("alice")
    claim(alice, paper, "Ada Lovelace", Status.VERIFIED)
    alice.profile.banned_at = timezone.now()
    alice.profile.save()

    assert "author-link" not in client.get("/papers/2502.08025").content.decode()


def test_author_links_cost_one_query_however_many_authors(
    client: Client, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    many = make_paper("2502.08030", authors=[f"Author {n}" for n in range(60)])
    for n in range(5):
        claim(make_user(f"user{n}"), many, f"Author {n}", Status.VERIFIED)
    few = make_paper("2502.08031", authors=["Author 0"])
    claim(User.objects.get(username="user0"), few, "Author 0", Status.VERIFIED)

    with django_assert_max_num_queries(30) as many_queries:
        html = client.get("/papers/2502.08030").content.decode()
    with django_assert_max_num_queries(30) as few_queries:
        client.get("/papers/2502.08031")

    assert html.count('class="author-link"') == 5
    assert len(many_queries.captured_queries) == len(few_queries.captured_queries)


def test_claiming_is_rate_limited(csrf_client: CsrfClient, paper: Paper) -> None:
    logged_in(csrf_client, make_user("alice"))

    data = {"author": str(author("Ada Lovelace").pk)}
    statuses = [
        csrf_client.post_form("/papers/2502.08025/claim", data).status_code for _ in range(21)
    ]

    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429
