"""Banning: Sam (staff) bans Bob; Bob's submissions leave the feed, his profile is gone,
he cannot log in. Unbanning restores it all."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission, User

from paperwire.accounts import services
from paperwire.accounts.rules import NotAllowed, check_active_member
from tests.builders import make_paper, put_on_feed
from tests.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db

DAY = date(2026, 8, 21)
CHANGELIST = "/admin/auth/user/"


@pytest.fixture
def bobs_find(bob) -> None:
    """Bob has put a paper on the feed, which a ban takes away and unbanning brings back."""
    put_on_feed(make_paper("2608.00001", "Bob's find"), DAY, submitted_by=bob)


def moderator() -> User:
    """Staff who is not a superuser, allowed to change users."""
    mo = make_user("mo", staff=True)
    mo.is_superuser = False
    mo.save()
    mo.user_permissions.add(Permission.objects.get(codename="change_user"))
    return User.objects.get(pk=mo.pk)


def ban_in_admin(client, user: User, action: str = "ban"):
    return client.post_form(CHANGELIST, {"action": action, "_selected_action": [str(user.pk)]})


def test_staff_bans_a_user_from_the_admin(csrf_client, sam, bob) -> None:
    csrf_client.force_login(sam)
    response = ban_in_admin(csrf_client, bob)
    assert response.status_code == 302
    bob.refresh_from_db()
    assert not bob.is_active
    assert bob.profile.banned_at is not None
    assert "Banned 1 user." in csrf_client.get(CHANGELIST).content.decode()


def test_a_banned_users_submissions_leave_the_feed(
    client, csrf_client, sam, bob, bobs_find
) -> None:
    assert "Bob&#x27;s find" in client.get(f"/papers/date/{DAY}").content.decode()
    services.do_ban_user(sam, bob)
    assert "Bob&#x27;s find" not in client.get(f"/papers/date/{DAY}").content.decode()


def test_a_banned_users_profile_is_404_except_for_staff(client, sam, bob) -> None:
    services.do_ban_user(sam, bob)
    assert client.get("/u/bob").status_code == 404
    client.force_login(make_user("alice"))
    assert client.get("/u/bob").status_code == 404
    client.force_login(sam)
    response = client.get("/u/bob")
    assert response.status_code == 200
    assert "This account is suspended." in response.content.decode()


def test_a_banned_user_is_logged_out_and_cannot_log_in(csrf_client, sam, bob) -> None:
    csrf_client.force_login(bob)
    services.do_ban_user(sam, bob)
    assert csrf_client.get("/settings").status_code == 302  # his session no longer counts
    response = csrf_client.post_form("/accounts/login", {"login": "bob", "password": PASSWORD})
    assert "This account is suspended." in response.content.decode()


def test_unbanning_restores_everything(client, csrf_client, sam, bob, bobs_find) -> None:
    services.do_ban_user(sam, bob)
    csrf_client.force_login(sam)
    ban_in_admin(csrf_client, bob, action="unban")
    bob.refresh_from_db()
    assert bob.is_active
    assert bob.profile.banned_at is None
    assert client.get("/u/bob").status_code == 200
    assert "Bob&#x27;s find" in client.get(f"/papers/date/{DAY}").content.decode()


def test_banning_twice_changes_nothing(sam, bob) -> None:
    assert services.do_ban_user(sam, bob) is True
    first = User.objects.get(pk=bob.pk).profile.banned_at
    assert services.do_ban_user(sam, bob) is False
    assert User.objects.get(pk=bob.pk).profile.banned_at == first


def test_staff_cannot_ban_themselves(csrf_client, sam) -> None:
    csrf_client.force_login(sam)
    ban_in_admin(csrf_client, sam)
    sam.refresh_from_db()
    assert sam.is_active
    assert sam.profile.banned_at is None


def test_only_a_superuser_bans_a_superuser(csrf_client, sam) -> None:
    mo = moderator()
    csrf_client.force_login(mo)
    ban_in_admin(csrf_client, sam)
    page = csrf_client.get(CHANGELIST).content.decode()
    assert "Only a superuser can ban or unban sam" in page
    sam.refresh_from_db()
    assert sam.is_active


def test_a_moderator_bans_a_member(csrf_client, bob) -> None:
    csrf_client.force_login(moderator())
    ban_in_admin(csrf_client, bob)
    bob.refresh_from_db()
    assert bob.profile.banned_at is not None


def test_members_cannot_ban(bob) -> None:
    with pytest.raises(NotAllowed):
        services.do_ban_user(make_user("alice"), bob)
    bob.refresh_from_db()
    assert bob.is_active


def test_a_banned_member_can_no_longer_take_part(sam, bob) -> None:
    services.do_ban_user(sam, bob)
    with pytest.raises(NotAllowed, match="suspended"):
        check_active_member(User.objects.get(pk=bob.pk))


@pytest.mark.parametrize("path", ["/admin/auth/user/", "/admin/accounts/profile/"])
@pytest.mark.parametrize("filters", ["", "?verified=no", "?banned=yes"])
def test_the_admin_lists_and_filters_users(admin_client, bob, path: str, filters: str) -> None:
    assert admin_client.get(path + filters).status_code == 200


def test_a_user_opens_in_the_admin_with_the_profile_inline(admin_client, bob) -> None:
    response = admin_client.get(f"/admin/auth/user/{bob.pk}/change/")
    assert response.status_code == 200
    assert b"Bob Chen" in response.content
