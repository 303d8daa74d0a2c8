"""Issue 13, sign-in and sessions in the web app, against a real `lumbar serve`: CSRF tokens
bound to the visit and the account, forms from other sites refused, a registration that does
not tell whether an email has an account, and API docs that render with no internet."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lumbar.web.interview_form import InterviewState

from ..live_server import LiveServer, serve

PASSWORD = "patient-password-1"
TOKEN_FIELD = re.compile(r'name="csrf" value="([^"]*)"')
EVIL = "https://evil.test"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own: these tests register more accounts than one address may an hour
    by default."""
    folder = tmp_path_factory.mktemp("web-security")
    database = f"sqlite:///{folder / 'lumbar.db'}"
    more = {"LUMBAR_REGISTRATIONS_PER_HOUR": "1000"}
    with serve(database, folder, login_attempts_per_minute=50, env=more) as server:
        yield server


def browser_client(site: LiveServer) -> httpx.Client:
    """A client that sends its posts as the site's own pages would (Origin: the site)."""
    return httpx.Client(base_url=site.url, headers={"Origin": site.url}, timeout=30)


def form_token(client: httpx.Client, path: str) -> str:
    """The CSRF token of the form on the page at `path`."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = TOKEN_FIELD.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def interview_post(client: httpx.Client, token: str, **headers: str) -> httpx.Response:
    """Send the first interview page back: 200 (the question again) when accepted."""
    form = {"csrf": token, "state": InterviewState().encode(), "action": "answer"}
    return client.post("/interview", data=form, headers=headers)


def register(client: httpx.Client, email: str, password: str) -> httpx.Response:
    form = {
        "csrf": form_token(client, "/register?lang=en"),
        "email": email,
        "password": password,
        "password_again": password,
        "consent": "yes",
    }
    return client.post("/register", data=form)


def sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    form = {"csrf": form_token(client, "/signin"), "email": email, "password": password}
    return client.post("/signin", data=form)


def new_email(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:8]}@example.test"


def test_a_planted_cookie_with_a_matching_field_is_refused(site: LiveServer) -> None:
    """A cookie that another site (or a network attacker) set, and the same value in the
    form, is no token: only the server can make one."""
    planted = "A" * 43
    with browser_client(site) as client:
        for name in ("lumbar_csrf", "lumbar_visit"):
            client.cookies.set(name, planted)
        assert interview_post(client, planted).status_code == 403
        token = form_token(client, "/interview")  # the page makes a token for the cookie
        assert interview_post(client, token).status_code == 200
        assert interview_post(client, token + "x").status_code == 403
        assert interview_post(client, "ü" * 43).status_code == 403


def test_a_token_fits_only_its_own_visit_and_account(site: LiveServer) -> None:
    """A token from another browser's visit, an attacker's own cookie and token planted in a
    signed-in browser, and a signed-in token after signing out are all refused."""
    email = new_email("victim")
    with browser_client(site) as attacker, browser_client(site) as victim:
        attackers_token = form_token(attacker, "/interview")
        assert interview_post(victim, attackers_token).status_code == 403
        assert register(victim, email, PASSWORD).status_code == 303
        assert sign_in(victim, email, PASSWORD).status_code == 303
        own = form_token(victim, "/interview")
        assert interview_post(victim, own).status_code == 200
        planted = {**dict(victim.cookies), **dict(attacker.cookies)}  # the attacker's pair
        with httpx.Client(base_url=site.url, cookies=planted, timeout=30) as tossed:
            assert interview_post(tossed, attackers_token).status_code == 403
        assert victim.post("/signout", data={"csrf": own}).status_code == 303
        assert interview_post(victim, own).status_code == 403  # it was made for the account
        assert interview_post(victim, form_token(victim, "/interview")).status_code == 200


def test_a_form_from_another_site_is_refused(site: LiveServer) -> None:
    """Origin (else Referer) must name this server: a post from another site, or from a page
    that hides its origin, is refused even with a good token; sign-in too (login CSRF)."""
    with browser_client(site) as client:
        token = form_token(client, "/interview")
        assert interview_post(client, token).status_code == 200
        assert interview_post(client, token, Origin=EVIL).status_code == 403
        assert interview_post(client, token, Origin="null").status_code == 403
        client.headers.pop("Origin")
        assert interview_post(client, token, Referer=f"{EVIL}/page").status_code == 403
        assert interview_post(client, token, Referer=f"{site.url}/interview").status_code == 200
        assert interview_post(client, token).status_code == 200  # no browser: the token decides
        form = {"csrf": form_token(client, "/signin"), "email": "a@b.test", "password": "x"}
        assert client.post("/signin", data=form, headers={"Origin": EVIL}).status_code == 403


def _reply_shape(reply: httpx.Response, email: str) -> dict[str, Any]:
    """What a person or a script can see of a reply, less its CSRF token and the echoed email."""
    cookies = sorted(
        re.sub(r"=[^;]*", "=…", header, count=1) for header in reply.headers.get_list("set-cookie")
    )
    body = TOKEN_FIELD.sub('name="csrf" value="…"', reply.text).replace(email, "EMAIL")
    return {
        "status": reply.status_code,
        "location": reply.headers.get("location"),
        "cookies": cookies,
        "body": body,
    }


def test_registering_a_taken_email_looks_like_registering_a_new_one(site: LiveServer) -> None:
    """The same reply, the same next page and no cookie either way; the account that had the
    email keeps its password, and the new account signs in."""
    taken, fresh = new_email("taken"), new_email("fresh")
    with browser_client(site) as first:
        assert register(first, taken, PASSWORD).status_code == 303
    shapes = []
    for email in (taken, fresh):
        with browser_client(site) as client:
            reply = register(client, email, "another-password-2")
            shape = _reply_shape(reply, email)
            shape["next"] = _reply_shape(client.get(reply.headers["location"]), email)
            shapes.append(shape)
    assert shapes[0] == shapes[1]
    assert shapes[0]["status"] == 303 and shapes[0]["cookies"] == []
    assert "sign in" in shapes[0]["next"]["body"].lower()
    with site.client() as api:
        for email, password, status in (
            (taken, PASSWORD, 200),
            (taken, "another-password-2", 401),
            (fresh, "another-password-2", 200),
        ):
            reply = api.post("/v1/auth/token", json={"email": email, "password": password})
            assert reply.status_code == status, (email, password)


def test_a_weak_password_is_refused_alike_for_a_taken_email(site: LiveServer) -> None:
    taken, fresh = new_email("taken-weak"), new_email("fresh-weak")
    with browser_client(site) as first:
        assert register(first, taken, PASSWORD).status_code == 303
    shapes = []
    for email in (taken, fresh):
        with browser_client(site) as client:
            shapes.append(_reply_shape(register(client, email, "short"), email))
    assert shapes[0] == shapes[1]
    assert shapes[0]["status"] == 422


def test_a_taken_email_takes_as_long_as_a_new_one(site: LiveServer) -> None:
    """A taken email costs the same password hashing as a new account (fastest of three
    tries each, so a busy machine does not decide the test)."""
    taken = new_email("taken-timing")
    with browser_client(site) as client:
        assert register(client, taken, PASSWORD).status_code == 303
        timings: dict[str, list[float]] = {"taken": [], "fresh": []}
        for _ in range(3):
            for kind, email in (("taken", taken), ("fresh", new_email("fresh-timing"))):
                form = {
                    "csrf": form_token(client, "/register"),
                    "email": email,
                    "password": PASSWORD,
                    "password_again": PASSWORD,
                    "consent": "yes",
                }
                started = time.perf_counter()
                assert client.post("/register", data=form).status_code == 303
                timings[kind].append(time.perf_counter() - started)
    assert min(timings["taken"]) > 0.5 * min(timings["fresh"]), timings


def test_the_api_docs_render_with_no_internet(site: LiveServer, browser: Any) -> None:
    """In Chromium with every other host cut off, /docs lists the operations, asks for
    nothing elsewhere, and breaks no rule of its CSP."""
    context = browser.new_context()
    elsewhere: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(site.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda message: problems.append(message.text))
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.goto(site.url + "/docs")
    tab.wait_for_selector(".opblock", timeout=20_000)
    assert "/v1/assess" in tab.inner_text("body")
    context.close()
    assert elsewhere == []
    assert [text for text in problems if "Content Security Policy" in text] == []
