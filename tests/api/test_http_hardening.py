"""Issue 13, sign-in and sessions over HTTP: private headers on every reply, API docs that
work offline under a strict CSP, and proxy headers trusted only from named proxies."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from ..live_server import STRAIN
from .conftest import ADMIN, LiveServer, serve

INNER_PROXY = "192.0.2.5"  # in the trusted network of the second test


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with the default proxy settings and one failure a minute per account, so an
    address is throttled after 10 failures."""
    folder = tmp_path_factory.mktemp("hardening")
    with serve(f"sqlite:///{folder / 'lumbar.db'}", folder, login_attempts_per_minute=1) as server:
        yield server


class ReferencedUrls(HTMLParser):
    """The URLs a page loads: scripts, stylesheets and icons, images; and inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for attribute in ("src", "href"):
            value = named.get(attribute)
            if value and (tag in ("script", "link", "img", "iframe")):
                self.urls.append(value)
        if tag == "script" and not named.get("src"):
            self.inline_scripts += 1


def test_every_reply_is_private_and_not_sniffed(live: LiveServer) -> None:
    """nosniff, no framing and no referrer elsewhere on every reply; no-store on all but
    static assets: health data (an assessment, an error, a page, a redirect) is never cached."""
    with live.client() as client:
        private = [
            client.get("/v1/health"),
            client.post("/v1/assess", json={"answers": STRAIN}),
            client.get("/v1/me"),
            client.get("/v1/no-such-route"),
            client.get("/openapi.json"),
            client.get("/docs"),
            client.get("/"),
            client.get("/me"),
            client.post("/interview", data={}),
        ]
        static = [client.get("/static/lumbar.css"), client.get("/docs/assets/swagger-ui.css")]
    assert [reply.status_code for reply in private] == [200, 200, 401, 404, 200, 200, 200, 303, 403]
    for reply in [*private, *static]:
        where = f"{reply.request.method} {reply.request.url.path}"
        assert reply.headers.get("x-content-type-options") == "nosniff", where
        assert reply.headers.get("x-frame-options") == "DENY", where
        assert reply.headers.get("referrer-policy") == "same-origin", where
    for reply in private:
        assert reply.headers.get("cache-control") == "no-store", reply.request.url.path
    for reply in static:
        assert reply.status_code == 200, reply.request.url.path
        assert "no-store" not in reply.headers.get("cache-control", ""), reply.request.url.path


def test_the_api_docs_load_nothing_from_elsewhere(live: LiveServer) -> None:
    """Every script, stylesheet and icon of /docs is served by lumbar itself, and the page's
    CSP allows nothing but this server (and its own inline script, by hash)."""
    with live.client() as client:
        reply = client.get("/docs")
        assert reply.status_code == 200
        found = ReferencedUrls()
        found.feed(reply.text)
        assert found.urls, "the page loads no assets"
        origin = urlsplit(live.url)
        for url in found.urls:
            absolute = urlsplit(urljoin(f"{live.url}/docs", url))
            assert (absolute.scheme, absolute.netloc) == (origin.scheme, origin.netloc), url
            asset = client.get(absolute.path)
            assert asset.status_code == 200, url
            assert asset.content, url
    csp = reply.headers["content-security-policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for values in directives.values():
        for value in values:
            assert value in ("'self'", "'none'", "data:") or value.startswith("'sha256-"), (
                f"{value} in {csp}"
            )
    hashes = [value for value in directives["script-src"] if value.startswith("'sha256-")]
    assert len(hashes) == found.inline_scripts


def forged(number: int) -> str:
    return f"198.51.100.{number + 1}"  # TEST-NET-2: no real client has such an address


def _forged_failures(live: LiveServer, count: int, prefix: str, via: str = "") -> list[int]:
    """Statuses of `count` failed sign-ins, each for a new email from a new forged address
    (then the proxies in `via`)."""
    statuses = []
    with live.client() as client:
        for number in range(count):
            reply = client.post(
                "/v1/auth/token",
                json={"email": f"{prefix}{number}@example.test", "password": "wrong-password"},
                headers={"X-Forwarded-For": f"{forged(number)}{via}"},
            )
            statuses.append(reply.status_code)
    return statuses


def _failure_addresses(live: LiveServer, admin_token: str) -> set[str | None]:
    with live.client(admin_token) as client:
        events = client.get("/v1/audit", params={"action": "login_failed", "limit": 100})
    assert events.status_code == 200, events.text
    return {event["client_address"] for event in events.json()["items"]}


def test_a_forged_forwarded_for_neither_escapes_the_limit_nor_reaches_the_log(
    live: LiveServer,
) -> None:
    """By default no proxy is trusted: X-Forwarded-For from 127.0.0.1 is ignored, so the
    per-address limit (10 failures a minute here) counts the real address."""
    admin = live.token(*ADMIN)  # before this address is throttled
    statuses = _forged_failures(live, 11, "forged")
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    assert _failure_addresses(live, admin) == {"127.0.0.1"}


def test_a_trusted_proxy_names_the_client(tmp_path: Path) -> None:
    """With LUMBAR_TRUSTED_PROXIES naming the proxies (an address and a network), the
    nearest address in X-Forwarded-For that no trusted proxy added is the client: each is
    a client of its own, and the log holds it."""
    database = f"sqlite:///{tmp_path / 'lumbar.db'}"
    trusted = {"LUMBAR_TRUSTED_PROXIES": "127.0.0.1, 192.0.2.0/24"}
    with serve(database, tmp_path, login_attempts_per_minute=1, env=trusted) as live:
        admin = live.token(*ADMIN)
        statuses = _forged_failures(live, 11, "behind-proxy", via=f", {INNER_PROXY}")
        addresses = _failure_addresses(live, admin)
    assert statuses == [401] * 11
    assert addresses == {forged(number) for number in range(11)}
