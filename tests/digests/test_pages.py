"""Subscribe, confirm, manage and leave, through the pages, with CSRF enforced."""

import re

import pytest
from django.core import signing
from django.test import Client

from paperwire.digests import tokens
from paperwire.digests.models import Subscriber
from tests.builders import make_organization, make_paper, put_on_feed
from tests.digests.conftest import MONDAY, make_subscriber
from tests.personas import CsrfClient, logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribe(csrf_client: CsrfClient, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def post(email: str, **choices: str):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return csrf_client.post_form("/digest/subscribe", {"email": email, **choices})

    return post


def link_in(message) -> str:  # type: ignore[no-untyped-def]
    return re.search(r"http://testserver(/digest/\S+)", message.body)[1]  # type: ignore[index]


def manage_path(subscriber: Subscriber) -> str:
    return f"/digest/manage/{tokens.manage_token(subscriber.pk)}"


def test_a_visitor_subscribes_with_an_email_address_and_confirms(
    subscribe, mailoutbox, client: Client
) -> None:
    response = subscribe("Ada@Example.org", daily="on", weekly="on")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    ada = Subscriber.objects.get()
    assert (ada.email, ada.daily, ada.weekly, ada.receiving) == (
        "ada@example.org",
        True,
        True,
        False,
    )
    [message] = mailoutbox
    assert message.to == ["ada@example.org"]
    assert message.subject == "Confirm your Paperwire digest subscription"
    assert "daily and weekly digests" in message.body
    page = client.get(link_in(message))
    assert page.status_code == 200 and "You're subscribed" in page.content.decode()
    ada.refresh_from_db()
    assert ada.receiving


def test_an_address_already_receiving_gets_a_manage_link_and_the_page_says_the_same(
    subscribe, mailoutbox
) -> None:
    make_subscriber("ada@example.org")
    response = subscribe("ada@example.org", daily="on")
    assert "Check your inbox" in response.content.decode()
    [message] = mailoutbox
    assert message.subject == "Your Paperwire digest subscription"
    assert link_in(message).startswith("/digest/manage/")


def test_asking_twice_in_ten_minutes_sends_one_email(subscribe, mailoutbox) -> None:
    subscribe("ada@example.org", daily="on")
    subscribe("ada@example.org", daily="on")
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"email": "ada@example.org"}, "Choose the daily digest, the weekly one, or both."),
    ],
)
def test_a_bad_subscription_is_refused_and_changes_nothing(
    csrf_client: CsrfClient, data: dict[str, str], error: str, mailoutbox
) -> None:
    response = csrf_client.post_form("/digest/subscribe", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Subscriber.objects.exists() and mailoutbox == []


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "null"},
    ],
    ids=["origin", "fetch-site", "opaque-origin"],
)
def test_another_site_cannot_subscribe_a_visitor(
    csrf_client: CsrfClient, headers: dict[str, str], mailoutbox: list[object]
) -> None:
    response = csrf_client.post(
        "/digest/subscribe", {"email": "a@example.org", "daily": "on"}, **headers
    )

    assert response.status_code == 403
    assert not Subscriber.objects.exists() and mailoutbox == []


def test_the_sign_up_box_needs_no_token_so_cached_pages_can_carry_it(
    csrf_client: CsrfClient, django_capture_on_commit_callbacks, mailoutbox: list[object]
) -> None:
    page = csrf_client.get("/digest/subscribe").content.decode()
    assert "csrfmiddlewaretoken" not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_client.post(
            "/digest/subscribe",
            {"email": "a@example.org", "daily": "on"},
            HTTP_ORIGIN="http://testserver",
            HTTP_SEC_FETCH_SITE="same-origin",
        )

    assert response.status_code == 200
    # Nothing is received before the address's owner follows the link.
    (subscriber,) = Subscriber.objects.all()
    assert subscriber.confirmed_at is None and len(mailoutbox) == 1


def test_subscribing_is_rate_limited(subscribe) -> None:
    for n in range(10):
        subscribe(f"reader{n}@example.org", daily="on")
    assert subscribe("one-more@example.org", daily="on").status_code == 429
    assert Subscriber.objects.count() == 10


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("garbage", "not valid"),
        (signing.dumps({"s": 1, "e": "a@example.org"}, salt="another.purpose"), "not valid"),
    ],
)
def test_a_bad_confirmation_link_says_so(client: Client, token: str, message: str) -> None:
    response = client.get(f"/digest/confirm/{token}")
    assert response.status_code == 400 and message in response.content.decode()


def test_an_expired_confirmation_link_says_so(client: Client, monkeypatch) -> None:
    ada = make_subscriber("ada@example.org", confirmed=False)
    token = tokens.confirm_token(ada.pk, ada.email)
    monkeypatch.setattr(tokens, "CONFIRM_DAYS", 0)
    response = client.get(f"/digest/confirm/{token}")
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    ada.refresh_from_db()
    assert not ada.receiving


def test_the_manage_page_needs_no_login_and_saves_every_choice(csrf_client: CsrfClient) -> None:
    deepmind = make_organization("deepmind", "Google DeepMind")
    deepmind.approved = True
    deepmind.save()
    ada = make_subscriber("ada@example.org")
    page = csrf_client.get(manage_path(ada))
    assert page.status_code == 200 and "ada@example.org" in page.content.decode()
    response = csrf_client.post_form(
        manage_path(ada),
        {
            "weekly": "on",
            "timezone": "Europe/Paris",
            "send_hour": "8",
            "top_n": "5",
            "categories": "cs.cl HEP-TH",
            "searches": '"speculative decoding"\nsparse attention -survey\n',
            "authors": "Ada Lovelace\nSomeone New",
            "organizations": "deepmind",
        },
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.daily, ada.weekly, ada.timezone, ada.send_hour, ada.top_n) == (
        False,
        True,
        "Europe/Paris",
        8,
        5,
    )
    assert sorted(c.code for c in ada.categories.all()) == ["cs.CL", "hep-th"]
    assert [s.query for s in ada.saved_searches.all()] == [
        '"speculative decoding"',
        "sparse attention -survey",
    ]
    assert sorted(a.name for a in ada.authors.all()) == ["Ada Lovelace", "Someone New"]
    assert [o.name for o in ada.organizations.all()] == ["deepmind"]
    page = csrf_client.get(manage_path(ada)).content.decode()
    assert "Saved. The next digest follows these choices." in page
    assert "No paper here is by Ada Lovelace, Someone New yet" in page


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("categories", "cs.XX", "Not an arXiv category here: cs.XX"),
        ("searches", "-survey", "has no word to look for"),
        ("organizations", "nobody", "No organization here has the handle nobody"),
        ("timezone", "Mars/Olympus", "Select a valid choice"),
        ("top_n", "99", "less than or equal to 50"),
        ("daily", "", "Choose the daily digest, the weekly one, or both"),
    ],
)
def test_bad_choices_are_refused_and_change_nothing(
    csrf_client: CsrfClient, field: str, value: str, error: str
) -> None:
    ada = make_subscriber("ada@example.org")
    data = {"daily": "on", "timezone": "UTC", "send_hour": "7", "top_n": "10", field: value}
    response = csrf_client.post_form(manage_path(ada), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    fresh = Subscriber.objects.get()
    assert (fresh.daily, fresh.top_n, fresh.timezone) == (True, 10, "UTC")
    assert not fresh.saved_searches.exists() and not fresh.categories.exists()


def test_a_tampered_manage_link_shows_nothing(client: Client) -> None:
    ada = make_subscriber("ada@example.org")
    token = tokens.manage_token(ada.pk)
    forged = f"{ada.pk + 1}:{token.split(':', 1)[1]}"
    response = client.get(f"/digest/manage/{forged}")
    assert response.status_code == 400
    assert "ada@example.org" not in response.content.decode()


def test_unsubscribing_asks_first_then_stops_everything_and_can_be_undone(
    csrf_client: CsrfClient,
) -> None:
    ada = make_subscriber("ada@example.org", weekly=True)
    path = f"/digest/unsubscribe/{tokens.manage_token(ada.pk)}"
    assert "Unsubscribe ada@example.org?" in csrf_client.get(path).content.decode()
    ada.refresh_from_db()
    assert ada.receiving  # a look (a mail scanner's, say) changes nothing
    response = csrf_client.post(path)  # no CSRF token, as a mail client's one-click POST
    assert "You're unsubscribed" in response.content.decode()
    ada.refresh_from_db()
    assert not ada.receiving
    csrf_client.post_form(manage_path(ada), {"action": "resubscribe"})
    ada.refresh_from_db()
    assert ada.receiving and ada.weekly


def test_a_member_subscribes_from_settings_with_their_verified_address(client: Client) -> None:
    nora = make_user("nora", email="nora@example.org")
    logged_in(client, nora)
    assert "Send the digest to nora@example.org" in client.get("/settings").content.decode()
    response = client.post("/digest/subscribe/me")
    subscriber = Subscriber.objects.get()
    assert response.status_code == 302 and response["Location"] == manage_path(subscriber)
    assert (subscriber.user, subscriber.receiving) == (nora, True)
    assert "Change what you receive" in client.get("/settings").content.decode()


def test_an_unverified_member_confirms_first(
    client: Client, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    nora = make_user("nora", email="nora@example.org", verified=False)
    logged_in(client, nora)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/digest/subscribe/me")
    assert not Subscriber.objects.get().receiving
    assert mailoutbox[0].subject == "Confirm your Paperwire digest subscription"


def test_an_unverified_address_cannot_take_over_someone_elses_subscription(
    client: Client, mailoutbox
) -> None:
    ada = make_subscriber("ada@example.org", weekly=True)
    mallory = make_user("mallory", email="ada@example.org", verified=False)
    logged_in(client, mallory)
    response = client.post("/digest/subscribe/me", follow=True)
    assert "ada@example.org already has a subscription. Verify your address first" in (
        response.content.decode()
    )
    ada.refresh_from_db()
    assert (ada.user, ada.receiving, ada.weekly) == (None, True, True)
    assert Subscriber.objects.count() == 1 and mailoutbox == []
    page = client.get("/settings").content.decode()
    assert manage_path(ada) not in page and "Change what you receive" not in page


def test_a_verified_member_takes_over_the_subscription_of_their_address(client: Client) -> None:
    ada_list = make_subscriber("ada@example.org", weekly=True)
    ada = make_user("ada", email="ada@example.org")
    logged_in(client, ada)
    client.post("/digest/subscribe/me")
    ada_list.refresh_from_db()
    assert (ada_list.user, ada_list.receiving, Subscriber.objects.count()) == (ada, True, 1)


def test_feed_pages_offer_the_digest(client: Client) -> None:
    put_on_feed(make_paper("2611.00001"), MONDAY)
    for path in ("/papers/date/2026-11-23", "/papers/week/2026-W48", "/papers/trending"):
        page = client.get(path).content.decode()
        assert 'action="/digest/subscribe"' in page, path


def test_the_preview_is_for_staff_only(client: Client) -> None:
    put_on_feed(make_paper("2611.00001", "Sparse attention at scale", upvotes=4), MONDAY)
    logged_in(client, make_user("nora"))
    assert client.get("/digest/preview?kind=daily&date=2026-11-24").status_code == 302
    logged_in(client, make_user("staff", staff=True))
    page = client.get("/digest/preview?kind=daily&date=2026-11-24").content.decode()
    assert "Sparse attention at scale" in page
    assert "Not composed yet" in page
    assert "List-Unsubscribe-Post" in page
    bad = client.get("/digest/preview?kind=daily&date=2026-11-28").content.decode()
    assert "Saturday 2026-11-28 has no daily digest" in bad
