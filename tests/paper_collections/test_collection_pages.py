"""Collection pages: Alice keeps collections; Bob looks at them; Nora has not verified her email.

Public collections are for everyone, private ones only for their owner, and a banned
owner's collections are for no one.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from paperwire.collections import services
from paperwire.collections.models import Collection, CollectionItem
from paperwire.papers.models import Paper
from tests.builders import make_paper
from tests.personas import CsrfClient, logged_in, make_user

pytestmark = pytest.mark.django_db


def make_collection(
    owner: User, name: str = "Reading list", *, public: bool = True, papers: list[Paper] = ()
) -> Collection:
    collection = services.do_create_collection(
        owner, services.CollectionFields(name, "Papers for the reading group.", public)
    )
    for paper in papers:
        services.do_add_paper(owner, collection, paper)
    return collection


# ---------- Seeing a collection ----------


def test_a_public_collection_lists_its_papers_newest_added_first(client: Client) -> None:
    alice = make_user("alice", fullname="Alice Liddell")
    first = make_paper("2508.00001", "Added First")
    second = make_paper("2508.00002", "Added Second")
    make_collection(alice, papers=[first, second])
    CollectionItem.objects.filter(paper=first).update(note="Read section 3.")

    response = client.get("/u/alice/collections/reading-list")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Reading list" in html
    assert "Papers for the reading group." in html
    assert "Alice Liddell" in html
    assert html.index("Added Second") < html.index("Added First")
    assert "Read section 3." in html
    assert "Remove" not in html  # not the owner


def test_an_empty_collection_says_so(client: Client) -> None:
    make_collection(make_user("alice"))

    html = client.get("/u/alice/collections/reading-list").content.decode()

    assert "No papers in this collection yet" in html


def test_a_private_collection_is_not_found_for_anyone_but_its_owner(client: Client) -> None:
    alice = make_user("alice")
    make_collection(alice, "Secret", public=False)

    anonymous = client.get("/u/alice/collections/secret")
    bob = logged_in(Client(), make_user("bob")).get("/u/alice/collections/secret")
    owner = logged_in(Client(), alice).get("/u/alice/collections/secret")

    assert anonymous.status_code == 404
    assert bob.status_code == 404
    assert owner.status_code == 200
    assert "Private" in owner.content.decode()


def test_a_banned_owners_collections_are_not_found(client: Client) -> None:
    alice = make_user("alice")
    make_collection(alice)
    alice.profile.banned_at = timezone.now()
    alice.profile.save()

    assert client.get("/u/alice/collections/reading-list").status_code == 404


def test_an_unknown_collection_is_not_found(client: Client) -> None:
    make_user("alice")

    assert client.get("/u/alice/collections/nothing").status_code == 404
    assert client.get("/u/nobody/collections/nothing").status_code == 404


def test_the_owner_sees_tools_to_edit_and_remove(client: Client) -> None:
    alice = make_user("alice")
    make_collection(alice, papers=[make_paper("2508.00001")])

    html = logged_in(client, alice).get("/u/alice/collections/reading-list").content.decode()

    assert "/u/alice/collections/reading-list/edit" in html
    assert "Remove" in html
    assert "Add a note" in html


def test_a_long_collection_is_paginated(client: Client) -> None:
    alice = make_user("alice")
    make_collection(alice, papers=[make_paper(f"2508.{n:05d}") for n in range(1, 23)])

    first = client.get("/u/alice/collections/reading-list").content.decode()
    second = client.get("/u/alice/collections/reading-list?page=2").content.decode()

    assert "Page 1 of 2" in first
    assert "2508.00022" in first and "2508.00001" not in first
    assert "2508.00001" in second


def test_user_content_is_escaped(client: Client) -> None:
    alice = make_user("alice")
    collection = make_collection(
        alice, "<script>alert(1)</script>", papers=[make_paper("2508.00001")]
    )
    CollectionItem.objects.update(note="<img src=x onerror=alert(1)>")

    html = client.get(collection.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html


# ---------- Your collections ----------


def test_your_collections_lists_public_and_private_ones(client: Client) -> None:
    alice = make_user("alice")
    make_collection(alice, "Open list", papers=[make_paper("2508.00001")])
    make_collection(alice, "Hidden list", public=False)
    make_collection(make_user("bob"), "Bobs list")

    html = logged_in(client, alice).get("/collections").content.decode()

    assert "Open list" in html
    assert "1 paper" in html
    assert "Hidden list" in html
    assert "Bobs list" not in html


def test_your_collections_says_so_when_there_are_none(client: Client) -> None:
    html = logged_in(client, make_user("alice")).get("/collections").content.decode()

    assert "No collections yet" in html


def test_your_collections_requires_login(client: Client) -> None:
    response = client.get("/collections")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_profile_shows_public_collections_to_others_and_all_to_the_owner() -> None:
    alice = make_user("alice")
    make_collection(alice, "Open list")
    make_collection(alice, "Hidden list", public=False)
    bob = make_user("bob")

    seen_by_bob = [c.name for c in services.collections_of(alice, bob)]
    seen_by_alice = sorted(c.name for c in services.collections_of(alice, alice))

    assert seen_by_bob == ["Open list"]
    assert seen_by_alice == ["Hidden list", "Open list"]


# ---------- Creating ----------


def test_a_member_creates_a_collection(csrf_client: CsrfClient) -> None:
    alice = make_user("alice")
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(
        "/collections/new",
        {"name": "  Graph  Neural Nets ", "description": "GNNs.", "is_public": "on"},
    )

    collection = Collection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/u/alice/collections/graph-neural-nets"
    assert (collection.owner, collection.name, collection.is_public) == (
        alice,
        "Graph Neural Nets",
        True,
    )


def test_an_unchecked_box_makes_a_private_collection(csrf_client: CsrfClient) -> None:
    logged_in(csrf_client, make_user("alice"))

    csrf_client.post_form("/collections/new", {"name": "Secret"})

    assert not Collection.objects.get().is_public


def test_slugs_are_unique_per_owner(csrf_client: CsrfClient) -> None:
    alice = make_user("alice")
    make_collection(make_user("bob"), "Reading list")
    make_collection(alice, "Reading list")
    logged_in(csrf_client, alice)

    response = csrf_client.post_form("/collections/new", {"name": "Reading list!"})

    assert response["Location"] == "/u/alice/collections/reading-list-2"


def test_a_name_without_latin_letters_still_gets_an_address(csrf_client: CsrfClient) -> None:
    logged_in(csrf_client, make_user("alice"))

    response = csrf_client.post_form("/collections/new", {"name": "論文"})

    assert response["Location"] == "/u/alice/collections/collection"


def test_the_same_name_twice_is_refused(csrf_client: CsrfClient) -> None:
    alice = make_user("alice")
    make_collection(alice, "Reading list")
    logged_in(csrf_client, alice)

    response = csrf_client.post_form("/collections/new", {"name": "reading LIST"})

    assert response.status_code == 200
    assert "You already have a collection called “reading LIST”." in response.content.decode()
    assert Collection.objects.count() == 1


def test_a_name_is_required(csrf_client: CsrfClient) -> None:
    logged_in(csrf_client, make_user("alice"))

    response = csrf_client.post_form("/collections/new", {"name": "   "})

    assert response.status_code == 200
    assert not Collection.objects.exists()


def test_creating_requires_login(client: Client) -> None:
    response = client.get("/collections/new")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_creating_requires_a_csrf_token(csrf_client: CsrfClient) -> None:
    logged_in(csrf_client, make_user("alice"))

    response = csrf_client.post("/collections/new", {"name": "Reading list"})

    assert response.status_code == 403
    assert not Collection.objects.exists()


def test_an_unverified_user_cannot_create_a_collection(csrf_client: CsrfClient) -> None:
    logged_in(csrf_client, make_user("nora", verified=False))

    response = csrf_client.post_form("/collections/new", {"name": "Reading list"})

    assert "Verify your email address first" in response.content.decode()
    assert not Collection.objects.exists()


# ---------- Editing, deleting, removing papers ----------


def test_the_owner_renames_and_makes_a_collection_private(csrf_client: CsrfClient) -> None:
    alice = make_user("alice")
    collection = make_collection(alice)
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(
        "/u/alice/collections/reading-list/edit", {"name": "Read later", "description": ""}
    )

    collection.refresh_from_db()
    assert response["Location"] == "/u/alice/collections/read-later"
    assert (collection.name, collection.slug, collection.is_public) == (
        "Read later",
        "read-later",
        False,
    )


def test_someone_else_cannot_edit_or_delete(csrf_client: CsrfClient) -> None:
    make_collection(make_user("alice"))
    logged_in(csrf_client, make_user("bob"))

    edit = csrf_client.post_form("/u/alice/collections/reading-list/edit", {"name": "Mine now"})
    delete = csrf_client.post_form("/u/alice/collections/reading-list/delete")

    assert edit.status_code == 404
    assert delete.status_code == 404
    assert Collection.objects.get().name == "Reading list"


def test_deleting_asks_first_then_deletes(csrf_client: CsrfClient) -> None:
    alice = make_user("alice")
    make_collection(alice, papers=[make_paper("2508.00001")])
    logged_in(csrf_client, alice)

    confirm = csrf_client.get("/u/alice/collections/reading-list/delete")
    assert Collection.objects.exists()
    response = csrf_client.post_form("/u/alice/collections/reading-list/delete")

    assert "Delete this collection?" in confirm.content.decode()
    assert response["Location"] == "/collections"
    assert not Collection.objects.exists()
    assert Paper.objects.filter(arxiv_id="2508.00001").exists()


def test_deleting_requires_a_csrf_token(csrf_client: CsrfClient) -> None:
    alice = make_user("alice")
    make_collection(alice)
    logged_in(csrf_client, alice)

    response = csrf_client.post("/u/alice/collections/reading-list/delete")

    assert response.status_code == 403
    assert Collection.objects.exists()


def test_the_owner_removes_a_paper(csrf_client: CsrfClient) -> None:
    alice = make_user("alice")
    collection = make_collection(alice, papers=[make_paper("2508.00001"), make_paper("2508.00002")])
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(
        "/u/alice/collections/reading-list/remove", {"paper": "2508.00001"}
    )

    assert response.status_code == 302
    assert list(collection.papers.values_list("arxiv_id", flat=True)) == ["2508.00002"]


def test_someone_else_cannot_remove_a_paper(csrf_client: CsrfClient) -> None:
    collection = make_collection(make_user("alice"), papers=[make_paper("2508.00001")])
    logged_in(csrf_client, make_user("bob"))

    response = csrf_client.post_form(
        "/u/alice/collections/reading-list/remove", {"paper": "2508.00001"}
    )

    assert response.status_code == 404
    assert collection.papers.count() == 1


def test_the_owner_writes_a_note_on_a_paper(csrf_client: CsrfClient) -> None:
    alice = make_user("alice")
    make_collection(alice, papers=[make_paper("2508.00001")])
    logged_in(csrf_client, alice)

    csrf_client.post_form(
        "/u/alice/collections/reading-list/note", {"paper": "2508.00001", "note": " Read §3. "}
    )

    assert CollectionItem.objects.get().note == "Read §3."


def test_the_admin_shows_a_collection_with_its_papers(admin_client: Client) -> None:
    collection = make_collection(make_user("alice"), papers=[make_paper("2508.00001")])

    assert admin_client.get("/admin/collections/collection/").status_code == 200
    response = admin_client.get(f"/admin/collections/collection/{collection.pk}/change/")
    assert response.status_code == 200
    assert "Collection items" in response.content.decode()
