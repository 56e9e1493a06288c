"""Profile pages: /u/<username> with what a member submitted, upvoted, authored and collects."""

from datetime import date

import pytest
from django.utils import timezone

from paperwire.collections.models import Collection, CollectionItem
from paperwire.feed.models import Upvote
from paperwire.orgs.models import Membership
from paperwire.papers.models import AuthorClaim
from tests.builders import make_organization, make_paper, put_on_feed
from tests.personas import make_user

pytestmark = pytest.mark.django_db

DAY = date(2026, 8, 21)


def test_it_shows_name_username_bio_and_member_since(client, alice) -> None:
    alice.profile.bio = "Reads <b>everything</b> about diffusion."
    alice.profile.save()
    response = client.get("/u/alice")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alice Liddell" in page
    assert "@alice" in page
    assert "Reads &lt;b&gt;everything&lt;/b&gt; about diffusion." in page
    assert f'Member since <time datetime="{alice.date_joined:%Y-%m-%d}">' in page


def test_an_unknown_member_is_404(client) -> None:
    response = client.get("/u/nobody")
    assert response.status_code == 404
    assert "There is no member called" in response.content.decode()


def test_another_spelling_redirects_to_the_profile(client, alice) -> None:
    response = client.get("/u/ALICE")
    assert response.status_code == 301
    assert response["Location"] == "/u/alice"


def test_it_lists_approved_organizations_only(client, alice) -> None:
    approved = make_organization("deepmind", "Google DeepMind")
    approved.approved = True
    approved.save()
    pending = make_organization("garage", "Garage Lab")
    Membership.objects.create(organization=approved, user=alice)
    Membership.objects.create(organization=pending, user=alice)
    page = client.get("/u/alice").content.decode()
    assert 'href="/orgs/deepmind"' in page
    assert "Garage Lab" not in page


def test_submitted_lists_her_visible_submissions_as_cards(client, alice) -> None:
    put_on_feed(make_paper("2608.00001", "Shown paper"), DAY, submitted_by=alice)
    put_on_feed(make_paper("2608.00002", "Hidden paper"), DAY, submitted_by=alice, hidden=True)
    put_on_feed(make_paper("2608.00003", "Someone else's"), DAY)
    page = client.get("/u/alice").content.decode()
    assert "Shown paper" in page
    assert "Hidden paper" not in page
    assert "Someone else" not in page
    assert 'class="card"' in page


def test_upvoted_lists_papers_newest_vote_first(client, alice) -> None:
    older, newer = make_paper("2608.00001", "Older vote"), make_paper("2608.00002", "Newer vote")
    first = Upvote.objects.create(user=alice, paper=older)
    Upvote.objects.filter(pk=first.pk).update(created_at=timezone.now() - timezone.timedelta(1))
    Upvote.objects.create(user=alice, paper=newer)
    page = client.get("/u/alice?tab=upvoted").content.decode()
    assert page.index("Newer vote") < page.index("Older vote")


def test_authored_lists_verified_claims_only(client, alice) -> None:
    mine = make_paper("2608.00001", "Verified authorship", authors=["Alice Liddell"])
    pending = make_paper("2608.00002", "Pending authorship", authors=["Alice Liddell"])
    for paper, status in ((mine, "verified"), (pending, "pending")):
        author = paper.authorships.get().author
        AuthorClaim.objects.create(user=alice, paper=paper, author=author, status=status)
    page = client.get("/u/alice?tab=authored").content.decode()
    assert "Verified authorship" in page
    assert "Pending authorship" not in page


def test_collections_show_public_ones_to_visitors(client, alice) -> None:
    reading = Collection.objects.create(owner=alice, name="Reading list", slug="reading")
    CollectionItem.objects.create(collection=reading, paper=make_paper("2608.00001"))
    Collection.objects.create(owner=alice, name="Secret stash", slug="secret", is_public=False)
    page = client.get("/u/alice?tab=collections").content.decode()
    assert 'href="/u/alice/collections/reading"' in page
    assert "1 paper" in page
    assert "Secret stash" not in page


def test_the_owner_also_sees_her_private_collections_marked(client, alice) -> None:
    Collection.objects.create(owner=alice, name="Secret stash", slug="secret", is_public=False)
    client.force_login(alice)
    page = client.get("/u/alice?tab=collections").content.decode()
    assert "Secret stash" in page
    assert "Private" in page


def test_tabs_show_counts(client, alice) -> None:
    Upvote.objects.create(user=alice, paper=make_paper("2608.00001"))
    Upvote.objects.create(user=alice, paper=make_paper("2608.00002"))
    page = client.get("/u/alice").content.decode()
    assert 'Upvoted <span class="profile-tabs__count">2</span>' in page


@pytest.mark.parametrize(
    ("tab", "empty"),
    [
        ("submitted", "No papers submitted yet"),
        ("upvoted", "No upvotes yet"),
        ("authored", "No authored papers yet"),
        ("collections", "No collections yet"),
        ("nonsense", "No papers submitted yet"),
    ],
)
def test_each_tab_has_an_empty_state(client, alice, tab: str, empty: str) -> None:
    assert empty in client.get(f"/u/alice?tab={tab}").content.decode()


def test_long_lists_are_paginated(client, alice) -> None:
    for n in range(23):
        Upvote.objects.create(user=alice, paper=make_paper(f"2608.{n:05d}", f"Paper number {n}"))
    first = client.get("/u/alice?tab=upvoted").content.decode()
    assert "Page 1 of 2" in first
    assert 'href="?tab=upvoted&amp;page=2"' in first
    second = client.get("/u/alice?tab=upvoted&page=2").content.decode()
    assert second.count('class="card"') == 3
    assert client.get("/u/alice?tab=upvoted&page=99").status_code == 200


def test_the_owner_gets_a_link_to_settings(client, alice) -> None:
    client.force_login(alice)
    assert "Edit profile" in client.get("/u/alice").content.decode()
    client.force_login(make_user("bob"))
    assert "Edit profile" not in client.get("/u/alice").content.decode()


def test_the_list_takes_a_fixed_number_of_queries(
    client, alice, django_assert_max_num_queries
) -> None:
    for n in range(15):
        paper = make_paper(f"2608.{n:05d}")
        put_on_feed(paper, DAY, submitted_by=alice)
    with django_assert_max_num_queries(20):
        client.get("/u/alice")
