"""One organization per institution: imported duplicates are merged, their names kept as
aliases that lead to it."""

from datetime import date
from pathlib import Path

import orjson
import pytest
from django.apps import apps
from django.test import Client

from paperwire.digests.models import Subscriber
from paperwire.feed.hf_daily import import_hf_daily
from paperwire.feed.models import DailyEntry
from paperwire.orgs import services as orgs
from paperwire.orgs.merge import merge_imported_duplicates
from paperwire.orgs.models import Membership, Organization, OrganizationAlias
from tests.builders import make_paper, put_on_feed
from tests.personas import make_user

pytestmark = pytest.mark.django_db

DAY = date(2026, 8, 21)


def imported(name: str, fullname: str, **fields: object) -> Organization:
    return Organization.objects.create(name=name, fullname=fullname, approved=True, **fields)


def test_imported_duplicates_merge_into_the_one_with_the_most_papers() -> None:
    small = imported("ZhejiangUniversity", "Zhejiang University", description="ZJU.")
    big = imported("zju", "Zhejiang  university", avatar_url="https://cdn.example/zju.png")
    third = imported("zju-community", "zhejiang university")
    for n, org in enumerate([small, big, big, third]):
        put_on_feed(make_paper(f"2608.{n:05d}"), DAY, organization=org)
    alice, bob = make_user("alice"), make_user("bob")
    Membership.objects.create(organization=small, user=alice)
    Membership.objects.create(organization=big, user=bob)
    Membership.objects.create(organization=third, user=bob)
    follower = Subscriber.objects.create(email="f@example.org")
    follower.organizations.add(third)

    assert merge_imported_duplicates(apps) == 2

    (org,) = Organization.objects.all()
    assert org.pk == big.pk
    assert (org.description, org.avatar_url) == ("ZJU.", "https://cdn.example/zju.png")
    assert DailyEntry.objects.filter(organization=org).count() == 4
    assert set(org.memberships.values_list("user__username", flat=True)) == {"alice", "bob"}
    assert list(follower.organizations.all()) == [org]
    assert set(org.aliases.values_list("name", flat=True)) == {
        "ZhejiangUniversity",
        "zju-community",
    }


def test_an_organization_a_member_created_is_never_merged() -> None:
    imported("zju", "Zhejiang University")
    mine = imported("zju-students", "Zhejiang University", created_by=make_user("alice"))

    assert merge_imported_duplicates(apps) == 0
    assert Organization.objects.filter(pk=mine.pk).exists()


def test_a_merged_name_leads_to_the_organization(client: Client) -> None:
    org = imported("zju", "Zhejiang University")
    OrganizationAlias.objects.create(name="ZhejiangUniversity", organization=org)

    response = client.get("/orgs/zhejianguniversity")

    assert response.status_code == 301
    assert response["Location"] == "/orgs/zju"


def test_a_new_organization_cannot_take_a_merged_name() -> None:
    org = imported("zju", "Zhejiang University")
    OrganizationAlias.objects.create(name="ZhejiangUniversity", organization=org)

    with pytest.raises(orgs.OrgError, match="taken"):
        orgs.check_create_organization(
            make_user("alice"), orgs.NewOrganization("zhejianguniversity", "ZJU fans")
        )


def _item(arxiv_id: str, org: str, fullname: str) -> bytes:
    item = {
        "paper": {
            "id": arxiv_id,
            "title": f"A study {arxiv_id}",
            "summary": "An abstract.",
            "authors": [{"name": "Ada Lovelace"}],
            "publishedAt": "2026-08-20T00:00:00.000Z",
            "upvotes": 3,
            "organization": {"name": org, "fullname": fullname, "avatar": ""},
        },
        "publishedAt": "2026-08-21T08:00:00.000Z",
        "title": f"A study {arxiv_id}",
    }
    return orjson.dumps(item) + b"\n"


def test_an_import_files_a_new_name_of_a_known_institution_under_it(tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    first.write_bytes(
        _item("2608.00001", "zju", "Zhejiang University")
        + _item("2608.00002", "ZhejiangUniversity", "Zhejiang University")
    )
    later = tmp_path / "later.jsonl"
    later.write_bytes(
        _item("2608.00003", "zju-community", "zhejiang  University")
        + _item("2608.00004", "ZhejiangUniversity", "Zhejiang University")
    )

    import_hf_daily([first], progress=False)
    import_hf_daily([later], progress=False)

    (org,) = Organization.objects.all()
    assert org.name == "zju"
    assert DailyEntry.objects.filter(organization=org).count() == 4
    assert set(org.aliases.values_list("name", flat=True)) == {
        "ZhejiangUniversity",
        "zju-community",
    }
