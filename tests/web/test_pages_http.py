"""The web app's answers to bad or hostile requests, over real HTTP."""

from __future__ import annotations

import re

import httpx

from lumbar.web.routes_account import safe_next


def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30)


def _csrf(client: httpx.Client) -> str:
    """The form token the server made for this client's visit (the page sets its cookie)."""
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/interview").text)
    assert found is not None
    return found.group(1)


def test_a_form_without_its_csrf_token_is_refused(web_server: str) -> None:
    with _client(web_server) as client:
        reply = client.post("/interview", data={"state": "", "action": "answer"})
    assert reply.status_code == 403
    assert reply.headers["content-type"].startswith("text/html")


def test_a_broken_interview_state_names_the_field(web_server: str) -> None:
    with _client(web_server) as client:
        csrf = _csrf(client)
        broken = client.post("/interview", data={"csrf": csrf, "state": "{not json"})
        young = client.post(
            "/interview",
            data={"csrf": csrf, "state": '{"answers": {"age": 5}, "steps": [["age"]]}'},
        )
        unknown = client.post(
            "/report.pdf",
            data={"csrf": csrf, "state": '{"answers": {"made_up": true}, "steps": []}'},
        )
    assert broken.status_code == 422 and "state" in broken.text
    assert young.status_code == 422 and "state.answers" in young.text and "age" in young.text
    assert unknown.status_code == 422 and "made_up" in unknown.text


def test_pages_are_private_and_framed_by_nobody(web_server: str) -> None:
    with _client(web_server) as client:
        page = client.get("/")
        api_error = client.get("/v1/patients/none")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert api_error.status_code == 401 and api_error.json()["error"]["code"] == "unauthorized"


def test_record_pages_send_the_signed_out_to_sign_in(web_server: str) -> None:
    with _client(web_server) as client:
        reply = client.get("/patients/anything")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/signin?next=/patients/anything"


def test_sign_in_returns_only_to_pages_of_this_site() -> None:

    assert safe_next("/patients/1") == "/patients/1"
    for target in ("https://evil.test/", "//evil.test", "/\\evil.test", None, 3):
        assert safe_next(target) is None


def test_an_empty_checklist_is_asked_again_and_none_of_these_moves_on(web_server: str) -> None:
    """Issue 12: an empty submission is not "no" to everything; "None of these" is."""
    import json

    from lumbar.engine.interview import next_question

    answers = {"age": 45, "sex": "male", "loc_lower_back_central": True}
    question = next_question(answers, 3)
    assert question is not None and question.kind == "multiple"
    state = json.dumps(
        {"answers": answers, "steps": [["age"], ["sex"], ["loc_lower_back_central"]]}
    )
    with _client(web_server) as client:
        form = {"csrf": _csrf(client), "state": state, "question": question.id}
        empty = client.post("/interview", data={**form, "action": "answer"})
        none = client.post("/interview", data={**form, "reply": "none_of_these"})
    assert empty.status_code == 422
    assert "Nothing is ticked" in empty.text and f'value="{question.id}"' in empty.text
    assert none.status_code == 200
    assert "Nothing is ticked" not in none.text
    assert f'name="question" value="{question.id}"' not in none.text
    assert 'value="none_of_these"' in empty.text


def test_a_kept_result_that_is_not_a_valid_interview_is_refused(web_server: str) -> None:
    with _client(web_server) as client:
        csrf = _csrf(client)
        for state in ("not json", '{"answers": {"fever": "yes"}, "steps": [["fever"]]}'):
            reply = client.post(
                "/register/keep",
                data={"csrf": csrf, "state": state},
                headers={"Origin": web_server},
            )
            assert reply.status_code == 422, reply.text
            assert "state" in reply.text
