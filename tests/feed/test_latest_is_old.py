"""The latest feed page says so when its newest day is old (nothing imported or submitted
for days): a reader should not take last week's papers for today's."""

from datetime import timedelta

import pytest
from django.test import Client

from paperwire.feed import days
from tests.builders import make_paper, put_on_feed

pytestmark = pytest.mark.django_db


def test_an_old_latest_day_is_called_old(client: Client) -> None:
    old = days.today() - timedelta(days=9)
    put_on_feed(make_paper("2611.00001", "Sparse attention at scale"), old)

    html = client.get("/papers").content.decode()

    assert f"The newest papers here are from {old:%A, %B} {old.day}, 9 days ago." in html
    # A day asked for by its date is what the reader chose: no notice there.
    assert "The newest papers here" not in client.get(f"/papers/date/{old}").content.decode()


@pytest.mark.parametrize("age", [0, 1, 2])
def test_a_recent_latest_day_is_not(client: Client, age: int) -> None:
    put_on_feed(make_paper("2611.00001"), days.today() - timedelta(days=age))

    assert "The newest papers here" not in client.get("/papers").content.decode()
