"""Every page carries a Content-Security-Policy that runs scripts from this site only."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/papers", "/search?q=x", "/api/docs", "/admin/login/", "/accounts/login", "/nope"]
)
def test_every_page_allows_scripts_from_this_site_only(client: Client, path: str) -> None:
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
