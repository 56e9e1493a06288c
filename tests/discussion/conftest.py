"""The people of the discussion tests: Alice and Bob (verified members), Nora (signed up,
email not verified yet), Sam (staff), Mallory (banned). The paper they talk about."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from paperwire.papers.models import Paper
from tests.feed.builders import make_paper
from tests.personas import make_user


def ban(user: User) -> User:
    # What the moderation action does: the profile remembers when, the account stops.
    user.profile.banned_at = timezone.now()
    user.profile.save()
    user.is_active = False
    user.save()
    return user


@pytest.fixture
def paper() -> Paper:
    return make_paper("2502.08025", "Sparse Attention Is All You Need")


@pytest.fixture
def alice() -> User:
    return make_user("alice", fullname="Alice Martin")


@pytest.fixture
def bob() -> User:
    return make_user("bob", fullname="Bob Chen")


@pytest.fixture
def nora() -> User:
    return make_user("nora", verified=False)


@pytest.fixture
def sam() -> User:
    return make_user("sam", staff=True, fullname="Sam Moderator")


@pytest.fixture
def mallory() -> User:
    return make_user("mallory", fullname="Mallory")
