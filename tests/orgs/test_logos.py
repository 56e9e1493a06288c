"""Organization logos are served from this site: the worker's "logos" job fetches each one
from its address upstream (a real HTTP server on 127.0.0.1 here) and pages show the copy."""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from paperwire.orgs import logos
from paperwire.orgs.models import Organization, OrganizationLogo
from tests.replay_server import ReplayServer, Reply

pytestmark = pytest.mark.django_db

# The smallest PNG there is: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def lab(server: ReplayServer, path: str = "/dm.png") -> Organization:
    return Organization.objects.create(
        name="deepmind", fullname="Google DeepMind", approved=True, avatar_url=server.url + path
    )


def logo_src(html: str) -> str | None:
    found = re.search(r'<img class="org-avatar[^"]*" src="([^"]+)"', html)
    return found.group(1) if found else None


def test_before_its_logo_is_fetched_the_page_shows_a_monogram_and_contacts_no_one(
    client: Client, replay_server: ReplayServer
) -> None:
    lab(replay_server)

    for url in ("/orgs", "/orgs/deepmind"):
        html = client.get(url).content.decode()
        assert replay_server.url not in html
        assert logo_src(html) is None
        assert 'class="org-avatar org-avatar--initial' in html and ">G</span>" in html
    assert replay_server.requests == []


def test_the_worker_stores_the_logo_and_the_pages_show_it_from_this_site(
    client: Client, replay_server: ReplayServer
) -> None:
    org = lab(replay_server)
    replay_server.queue(Reply(PNG, headers={"Content-Type": "image/png"}))

    assert logos.fetch_logos() == "1 logo stored, 0 failed"

    for url in ("/orgs", "/orgs/deepmind"):
        src = logo_src(client.get(url).content.decode())
        assert src is not None and src.startswith("/orgs/deepmind/logo?v=")
    response = client.get(src)
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response["Cache-Control"]
    again = client.get(src, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    # Done once: the next run asks nothing.
    assert logos.fetch_logos() == "no logo to fetch"
    assert len(replay_server.requests) == 1
    org.refresh_from_db()
    assert src.endswith(org.logo_hash)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(b'<svg onload="alert(1)"/>', headers={"Content-Type": "image/svg+xml"}), "not a"),
        (Reply(b"<html>Not here</html>", status=404), "404"),
        (Reply(PNG + b"\0" * logos.MAX_BYTES, headers={"Content-Type": "image/png"}), "larger"),
    ],
    ids=["svg", "missing", "too-large"],
)
def test_what_is_not_a_small_raster_image_is_refused_and_tried_again_a_day_later(
    client: Client, replay_server: ReplayServer, reply: Reply, error: str
) -> None:
    lab(replay_server)
    replay_server.queue(reply)

    assert logos.fetch_logos() == "0 logos stored, 1 failed"

    stored = OrganizationLogo.objects.get()
    assert (stored.content_type, stored.failures) == ("", 1)
    assert error in stored.error
    assert logo_src(client.get("/orgs/deepmind").content.decode()) is None
    assert client.get("/orgs/deepmind/logo").status_code == 404
    assert logos.fetch_logos() == "no logo to fetch"
    OrganizationLogo.objects.update(fetched_at=timezone.now() - timedelta(days=2))
    replay_server.queue(Reply(PNG, headers={"Content-Type": "image/png"}))
    assert logos.fetch_logos() == "1 logo stored, 0 failed"


def test_a_new_address_upstream_is_fetched_again(
    client: Client, replay_server: ReplayServer
) -> None:
    org = lab(replay_server)
    replay_server.queue(Reply(PNG, headers={"Content-Type": "image/png"}))
    logos.fetch_logos()
    first = client.get("/orgs/deepmind").content.decode()

    gif = b"GIF89a" + b"\0" * 20
    Organization.objects.filter(pk=org.pk).update(avatar_url=replay_server.url + "/new.gif")
    replay_server.queue(Reply(gif, headers={"Content-Type": "image/gif"}))
    assert logos.fetch_logos() == "1 logo stored, 0 failed"

    src = logo_src(client.get("/orgs/deepmind").content.decode())
    assert src is not None and src != logo_src(first)
    assert client.get(src).content == gif


def test_a_pending_organization_logo_is_not_public(
    client: Client, replay_server: ReplayServer
) -> None:
    org = lab(replay_server)
    replay_server.queue(Reply(PNG, headers={"Content-Type": "image/png"}))
    logos.fetch_logos()
    Organization.objects.filter(pk=org.pk).update(approved=False)

    assert client.get("/orgs/deepmind/logo").status_code == 404


def test_images_come_from_this_site_only(client: Client) -> None:
    policy = client.get("/papers")["Content-Security-Policy"]

    assert "img-src 'self' data:;" in policy + ";"


def test_logos_are_fetched_several_at_once(replay_server: ReplayServer) -> None:
    for n in range(logos.CONCURRENT_FETCHES):
        Organization.objects.create(
            name=f"lab{n}", fullname=f"Lab {n}", avatar_url=f"{replay_server.url}/{n}.png"
        )
    arrivals: list[float] = []

    def slow_host(request: object) -> Reply:
        arrivals.append(time.monotonic())
        return Reply(PNG, headers={"Content-Type": "image/png"}, delay=2.0)

    replay_server.route = slow_host

    assert logos.fetch_logos() == "8 logos stored, 0 failed"
    # Every request was made before the first answer came: one after another, they would
    # have been 2 s apart each.
    assert max(arrivals) - min(arrivals) < 2.0
