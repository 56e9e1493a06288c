import pytest
from django.test import Client

from paperwire.ingest.records import AuthorName, PaperRecord
from paperwire.ingest.upsert import upsert_papers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/admin/papers/paper/",
        "/admin/papers/author/",
        "/admin/papers/category/",
        "/admin/feed/dailyentry/",
        "/admin/orgs/organization/",
        "/admin/ingest/harvestcheckpoint/",
        "/admin/digests/subscriber/",
        "/admin/digests/digestedition/",
        "/admin/digests/delivery/",
    ],
)
def test_staff_can_browse_every_model_in_the_admin(admin_client: Client, path: str) -> None:
    upsert_papers([PaperRecord("2502.08025", "A paper", authors=[AuthorName("Ada")])])
    assert admin_client.get(path).status_code == 200


def test_a_paper_opens_in_the_admin_with_its_authors(admin_client: Client) -> None:
    result = upsert_papers([PaperRecord("2502.08025", "A paper", authors=[AuthorName("Ada")])])
    response = admin_client.get(f"/admin/papers/paper/{result.ids['2502.08025']}/change/")
    assert response.status_code == 200
    assert b"A paper" in response.content


def test_the_admin_requires_staff(client: Client) -> None:
    response = client.get("/admin/papers/paper/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
