"""The Save menu on a paper page: Alice puts papers in her collections and takes them out;
Bob cannot touch hers; Nora has not verified her email address."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from paperwire.collections import services
from paperwire.collections.models import Collection, CollectionItem
from paperwire.papers.models import Paper
from tests.builders import make_paper
from tests.personas import CsrfClient, logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper() -> Paper:
    return make_paper("2502.08025", "Sparse Attention")


@pytest.fixture
def reading_list(csrf_client: CsrfClient, alice: User) -> Collection:
    """Alice's collection "Reading list", with Alice signed in on csrf_client."""
    logged_in(csrf_client, alice)
    return services.do_create_collection(alice, services.CollectionFields("Reading list"))


def test_visitors_see_no_menu(client: Client, paper: Paper) -> None:
    html = client.get("/papers/2502.08025").content.decode()

    assert "save-menu" not in html


def test_a_member_sees_their_collections_and_which_hold_the_paper(
    client: Client, paper: Paper
) -> None:
    alice = make_user("alice")
    holding = services.do_create_collection(alice, services.CollectionFields("Holding"))
    services.do_add_paper(alice, holding, paper)
    empty = services.do_create_collection(alice, services.CollectionFields("Empty", "", False))
    services.do_create_collection(make_user("bob"), services.CollectionFields("Bobs"))

    html = logged_in(client, alice).get("/papers/2502.08025").content.decode()

    assert 'class="save-menu"' in html
    assert f'value="{holding.pk}" class="save-menu__choice" aria-pressed="true"' in html
    assert f'value="{empty.pk}" class="save-menu__choice" aria-pressed="false"' in html
    assert "Bobs" not in html
    assert "Saved<span" in html


def test_an_unverified_user_is_told_to_verify_first(client: Client, paper: Paper) -> None:
    html = logged_in(client, make_user("nora", verified=False)).get("/papers/2502.08025")

    assert "Verify your email address first" in html.content.decode()


def test_saving_toggles_the_paper_in_a_collection(
    csrf_client: CsrfClient, paper: Paper, reading_list: Collection
) -> None:
    saved = csrf_client.post_form(
        "/papers/2502.08025/save", {"collection": reading_list.pk, "next": "/papers/2502.08025"}
    )
    assert list(reading_list.papers.all()) == [paper]
    removed = csrf_client.post_form("/papers/2502.08025/save", {"collection": reading_list.pk})

    assert saved["Location"] == "/papers/2502.08025"
    assert removed["Location"] == "/papers/2502.08025"
    assert not reading_list.papers.exists()


def test_saving_says_what_happened(
    csrf_client: CsrfClient, paper: Paper, reading_list: Collection
) -> None:
    response = csrf_client.post_form(
        "/papers/2502.08025/save", {"collection": reading_list.pk}, follow=True
    )

    assert "Saved to Reading list." in response.content.decode()


def test_saving_into_someone_elses_collection_is_refused(
    csrf_client: CsrfClient, paper: Paper
) -> None:
    alices = services.do_create_collection(make_user("alice"), services.CollectionFields("Hers"))
    logged_in(csrf_client, make_user("bob"))

    response = csrf_client.post_form(
        "/papers/2502.08025/save", {"collection": alices.pk}, follow=True
    )

    assert "Choose one of your collections." in response.content.decode()
    assert not CollectionItem.objects.exists()


def test_saving_goes_back_only_to_pages_of_this_site(
    csrf_client: CsrfClient, paper: Paper, reading_list: Collection
) -> None:
    response = csrf_client.post_form(
        "/papers/2502.08025/save",
        {"collection": reading_list.pk, "next": "https://evil.example/"},
    )

    assert response["Location"] == "/papers/2502.08025"


def test_saving_to_a_new_collection_creates_it_with_the_paper(
    csrf_client: CsrfClient, paper: Paper
) -> None:
    alice = make_user("alice")
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(
        "/papers/2502.08025/save/new", {"name": "To read", "private": "on"}, follow=True
    )

    collection = Collection.objects.get()
    assert "Saved to your new collection To read." in response.content.decode()
    assert (collection.owner, collection.name, collection.is_public) == (alice, "To read", False)
    assert list(collection.papers.all()) == [paper]


def test_a_new_collection_with_a_taken_name_changes_nothing(
    csrf_client: CsrfClient, paper: Paper
) -> None:
    alice = make_user("alice")
    services.do_create_collection(alice, services.CollectionFields("To read"))
    logged_in(csrf_client, alice)

    response = csrf_client.post_form(
        "/papers/2502.08025/save/new", {"name": "to read"}, follow=True
    )

    assert "You already have a collection called" in response.content.decode()
    assert Collection.objects.count() == 1
    assert not CollectionItem.objects.exists()


def test_saving_requires_login(csrf_client: CsrfClient, paper: Paper) -> None:
    response = csrf_client.post_form("/papers/2502.08025/save/new", {"name": "To read"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Collection.objects.exists()


def test_saving_requires_a_csrf_token(
    csrf_client: CsrfClient, paper: Paper, reading_list: Collection
) -> None:
    response = csrf_client.post("/papers/2502.08025/save", {"collection": reading_list.pk})

    assert response.status_code == 403
    assert not reading_list.papers.exists()


def test_an_unverified_user_cannot_save(csrf_client: CsrfClient, paper: Paper) -> None:
    logged_in(csrf_client, make_user("nora", verified=False))

    response = csrf_client.post_form(
        "/papers/2502.08025/save/new", {"name": "To read"}, follow=True
    )

    assert "Verify your email address first" in response.content.decode()
    assert not Collection.objects.exists()


def test_saving_an_unknown_paper_is_not_found(csrf_client: CsrfClient) -> None:
    logged_in(csrf_client, make_user("alice"))

    response = csrf_client.post_form("/papers/2502.99999/save/new", {"name": "To read"})

    assert response.status_code == 404
    assert not Collection.objects.exists()


def test_saving_is_rate_limited(
    csrf_client: CsrfClient, paper: Paper, reading_list: Collection
) -> None:

    statuses = [
        csrf_client.post_form(
            "/papers/2502.08025/save", {"collection": reading_list.pk}
        ).status_code
        for _ in range(61)
    ]

    assert statuses[:60] == [302] * 60
    assert statuses[60] == 429
