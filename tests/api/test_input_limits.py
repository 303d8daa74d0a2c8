"""Issue 13, limits and bad input, against a real `lumbar serve` on SQLite and PostgreSQL:
request bodies over the size limit are refused before they are read, every list and string
a client sends has a length limit, surrogate code points are refused (and a stored one is
repaired on read), JSON that does not parse names `body`, and health data has strict types.
Every refusal is a 422 (413 for size) naming the field, never a 500."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from ..live_server import ADMIN, STRAIN, LiveServer, spawn_server
from .conftest import database_url

PASSWORD = "patient-password-1"
LIMIT = 1024 * 1024  # LUMBAR_MAX_BODY_BYTES's default
BIG = 40 * LIMIT
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]*)"')


def day(ago: int) -> str:
    return (date.today() - timedelta(days=ago)).isoformat()


@dataclass(frozen=True)
class Served:
    """The server, the URL of its database, its process id and two accounts' tokens."""

    server: LiveServer
    database: str
    pid: int
    clinician: str
    patient: str
    patient_id: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("limits")
    database = database_url(request, request.param, folder, "limits")
    started = spawn_server(database, folder, login_attempts_per_minute=1000)
    try:
        server = started.wait_until_up()
        admin = server.token(*ADMIN)
        suffix = uuid.uuid4().hex[:8]
        doctor = f"doctor-{suffix}@lumbar.test"
        person = f"patient-{suffix}@lumbar.test"
        server.create_account(admin, doctor, "clinician", "limits", PASSWORD)
        patient = server.create_account(admin, person, "patient", "limits", PASSWORD)
        yield Served(
            server,
            database,
            started.process.pid,
            server.token(doctor, PASSWORD),
            server.token(person, PASSWORD),
            patient["patient_id"],
        )
    finally:
        started.stop()


def post_text(client: httpx.Client, method: str, path: str, text: str) -> httpx.Response:
    """Send `text` as the JSON body as it is (httpx cannot encode a surrogate itself)."""
    data = text.encode("utf-8")
    return client.request(method, path, content=data, headers={"Content-Type": "application/json"})


def refused_field(reply: httpx.Response, status: int = 422) -> str:
    """The first field the error names, after checking the status and the error shape."""
    assert reply.status_code == status, reply.text[:500]
    error = reply.json()["error"]
    assert error["code"] == ("invalid" if status == 422 else "too_large"), error
    return str(error["fields"][0]["field"]) if error["fields"] else ""


def peak_growth_kb(pid: int, send: Any) -> int:
    """How far the server's peak memory rose above its memory before `send()` (Linux)."""
    with open(f"/proc/{pid}/clear_refs", "w") as clear:
        clear.write("5")  # peak resident size := current

    def status(key: str) -> int:
        with open(f"/proc/{pid}/status") as lines:
            return next(int(line.split()[1]) for line in lines if line.startswith(key))

    before = status("VmRSS:")
    send()
    return status("VmHWM:") - before


def chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """`data` as a chunked body: no Content-Length, only the bytes as they come."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def web_client(served: Served, token: str | None = None) -> httpx.Client:
    """A client posting forms as the site's own pages do; signed in with `token`."""
    client = httpx.Client(
        base_url=served.server.url, headers={"Origin": served.server.url}, timeout=60
    )
    if token is not None:
        client.cookies.set("lumbar_session", token)
    return client


def form_token(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF_FIELD.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def test_a_body_over_the_limit_is_refused_before_it_is_read(served: Served) -> None:
    """Issue 13: a 100 MB POST /v1/assess was read and parsed (memory more than doubled)."""
    padded = b'{"answers": {}, "note": "' + b"a" * BIG + b'"}'
    with served.server.client() as client:
        replies: list[httpx.Response] = []

        def send() -> None:
            json_type = {"Content-Type": "application/json"}
            replies.append(client.post("/v1/assess", content=padded, headers=json_type))
            replies.append(client.post("/v1/assess", content=chunks(padded), headers=json_type))

        grown = peak_growth_kb(served.pid, send)
        for reply in replies:
            assert refused_field(reply, 413) == ""
            assert str(LIMIT) in reply.json()["error"]["message"]
        assert grown < 16 * 1024, f"the server's memory peaked {grown} kB higher"
        just_under = b'{"answers": {}' + b" " * (LIMIT - 100) + b"}"
        assert post_text(client, "POST", "/v1/assess", just_under.decode()).status_code == 200
        assert client.get("/v1/health").status_code == 200


def test_a_web_form_over_the_limit_gets_the_error_page(served: Served) -> None:
    form = b"csrf=x&email=" + b"a" * (2 * LIMIT)
    urlencoded = {"Content-Type": "application/x-www-form-urlencoded"}
    with web_client(served) as client:
        for body in (form, chunks(form)):
            reply = client.post("/signin", content=body, headers=urlencoded)
            assert reply.status_code == 413
            assert reply.headers["content-type"].startswith("text/html")
            assert "too large" in reply.text
            assert reply.headers["cache-control"] == "no-store"
        static = client.request("GET", "/static/lumbar.css", content=chunks(form))
        assert static.status_code in (200, 413)  # a route that reads no body: either


LONG = "x" * 70
TOO_LONG_BODIES = [
    ("POST", "/v1/assess", {"answers": {f"f{n}": True for n in range(501)}}, "answers"),
    ("POST", "/v1/assess", {"answers": {LONG: True}}, f"answers.{LONG}.[key]"),
    ("POST", "/v1/assess", {"answers": {"age": 40, "sex": "a" * 65}}, "answers.sex"),
    ("POST", "/v1/assess", {"answers": {"age": [40] * 10}}, "answers.age"),
    ("POST", "/v1/assess", {"answers": {}, "asked": 501}, "asked"),
    ("PUT", "/v1/interviews/{iid}/answers", {"answers": {}, "asked": ["age"] * 501}, "asked"),
    ("PUT", "/v1/interviews/{iid}/answers", {"answers": {}, "asked": ["a" * 501]}, "asked.0"),
    ("POST", "/v1/patients", {"label": "x" * 101}, "label"),
    (
        "POST",
        "/v1/patients/{pid}/diary",
        {"day": day(2), "pain": 3, "warning_signs": {f"f{n}": False for n in range(501)}},
        "warning_signs",
    ),
    (
        "POST",
        "/v1/patients/{pid}/diary",
        {"day": day(2), "pain": 3, "exercises_done": [LONG]},
        "exercises_done.0",
    ),
    ("POST", "/v1/auth/token", {"email": "a" * 321, "password": "x"}, "email"),
    ("POST", "/v1/auth/token", {"email": "a@b.test", "password": "x" * 1025}, "password"),
]


def _interview(served: Served) -> str:
    with served.server.client(served.patient) as client:
        started = client.post(f"/v1/patients/{served.patient_id}/interviews", json={})
    assert started.status_code == 201, started.text
    return str(started.json()["id"])


def test_every_list_and_string_has_a_length_limit(served: Served) -> None:
    """Issue 13: an interview's `asked` list took 2,000,000 items."""
    ids = {"iid": _interview(served), "pid": served.patient_id}
    for method, path, body, field in TOO_LONG_BODIES:
        token = served.clinician if path == "/v1/patients" else served.patient
        with served.server.client(token) as client:
            reply = client.request(method, path.format(**ids), json=body)
        assert refused_field(reply) == field, (path, body)


def test_web_forms_hold_the_same_length_limits(served: Served) -> None:
    """On PostgreSQL a label longer than its column was a 500; on SQLite it was stored."""
    with web_client(served, served.clinician) as doctor:
        token = form_token(doctor, "/clinic")
        label = doctor.post("/clinic/patients", data={"csrf": token, "label": "x" * 101})
        assert label.status_code == 422 and "label" in label.text
        kept = doctor.post("/clinic/patients", data={"csrf": token, "label": "x" * 100})
        assert kept.status_code == 303, kept.text
    with web_client(served) as visitor:
        token = form_token(visitor, "/signin")
        form = {"csrf": token, "email": "a" * 321 + "@b.test", "password": "x"}
        email = visitor.post("/signin", data=form)
        assert email.status_code == 422 and "email" in email.text
        form = {"csrf": token, "email": "a@b.test", "password": "x", "next": "/" + "x" * 2048}
        target = visitor.post("/signin", data=form)
        assert target.status_code == 422 and "next" in target.text
        patient = visitor.post("/interview", data={"csrf": token, "patient": "x" * 37})
        assert patient.status_code == 422 and "patient" in patient.text
        token = form_token(visitor, "/register")
        long_password = "x" * 1025
        form = {
            "csrf": token,
            "email": "new@lumbar.test",
            "password": long_password,
            "password_again": long_password,
            "consent": "yes",
        }
        password = visitor.post("/register", data=form)
        assert password.status_code == 422 and "password" in password.text


SURROGATE_BODIES = [
    ("POST", "/v1/assess", '{"answers": {"\\ud800": true}}', "answers.*"),  # then the key, not text
    ("POST", "/v1/assess", '{"answers": {"age": 40, "sex": "\\udfff"}}', "answers.sex"),
    ("PUT", "/v1/interviews/{iid}/answers", '{"answers": {}, "asked": ["\\ud800"]}', "asked.0"),
    ("POST", "/v1/patients", '{"label": "a\\ud800b"}', "label"),
    ("POST", "/v1/auth/token", '{"email": "a@b.test", "password": "\\ud800"}', "password"),
    (
        "POST",
        "/v1/patients/{pid}/diary",
        f'{{"day": "{day(3)}", "pain": 2, "exercises_done": ["\\udbff"]}}',
        "exercises_done.0",
    ),
]


def test_a_surrogate_is_refused_naming_the_field(served: Served) -> None:
    """Issue 13: "\\ud800" gave 500s on /v1/assess, and an interview saved with one could
    never be read again."""
    ids = {"iid": _interview(served), "pid": served.patient_id}
    for method, path, text, field in SURROGATE_BODIES:
        token = served.clinician if path == "/v1/patients" else served.patient
        with served.server.client(token) as client:
            reply = post_text(client, method, path.format(**ids), text)
        named = refused_field(reply)
        assert named.startswith(field[:-1]) if field.endswith("*") else named == field, text
    with served.server.client(served.patient) as client:
        interview = client.get(f"/v1/interviews/{ids['iid']}")
        assert interview.status_code == 200 and interview.json()["asked"] == []


def _store_asked(database: str, interview_id: str, asked: list[str]) -> None:
    """Write `asked` into the stored interview as an older lumbar could."""
    sessions = sa.table("interview_sessions", sa.column("id"), sa.column("asked", sa.JSON))
    engine = sa.create_engine(database)
    try:
        with engine.begin() as connection:
            update = sessions.update().where(sessions.c.id == interview_id)
            connection.execute(update.values(asked=asked))
    finally:
        engine.dispose()


def test_a_stored_surrogate_is_repaired_when_read(served: Served) -> None:
    interview_id = _interview(served)
    _store_asked(served.database, interview_id, ["age", "sex\ud800", "\udc00"])
    path = f"/v1/interviews/{interview_id}"
    with served.server.client(served.patient) as client:
        for _ in range(2):
            read = client.get(path)
            assert read.status_code == 200, read.text
            assert read.json()["asked"] == ["age", "sex\ufffd", "\ufffd"]
        answered = client.put(f"{path}/answers", json={"answers": STRAIN, "asked": ["age"]})
        assert answered.status_code == 200, answered.text
        assert client.post(f"{path}/finish").status_code == 201


def test_json_that_does_not_parse_names_the_body(served: Served) -> None:
    with served.server.client() as client:
        for text in ('{"answers": {"age": 40,', "[1, 2", "12x", '{"answers": }', "{'a': 1}"):
            reply = post_text(client, "POST", "/v1/assess", text)
            assert refused_field(reply) == "body", (text, reply.text)
            assert reply.json()["error"]["fields"][0]["problem"].startswith("not valid JSON")


STRICT_BODIES = [
    ("POST", "/v1/assess", {"answers": {**STRAIN, "fever": "yes"}}, "answers.fever"),
    ("POST", "/v1/assess", {"answers": {**STRAIN, "age": "40"}}, "answers.age"),
    ("POST", "/v1/assess", {"answers": STRAIN, "asked": "3"}, "asked"),
    ("POST", "/v1/patients/{pid}/diary", {"day": day(11), "pain": "5"}, "pain"),
    ("POST", "/v1/patients/{pid}/diary", {"day": day(12), "pain": 5.5}, "pain"),  # 5.0 is 5
    (
        "POST",
        "/v1/patients/{pid}/diary",
        {"day": day(13), "pain": 5, "function": "7"},
        "function",
    ),
    (
        "POST",
        "/v1/patients/{pid}/diary",
        {"day": day(14), "pain": 5, "new_leg_symptoms": "yes"},
        "new_leg_symptoms",
    ),
    (
        "POST",
        "/v1/patients/{pid}/diary",
        {"day": day(15), "pain": 5, "warning_signs": {"fever": "yes"}},
        "warning_signs.fever",
    ),
    ("POST", "/v1/patients", {"birth_year": "1980"}, "birth_year"),
]


def test_health_data_has_strict_types_in_the_json_api(served: Served) -> None:
    """Issue 13: "fever": "yes" and "pain": "5" were accepted. A whole 5.0 is the integer 5
    (JSON Schema says so, and the conformance test holds the server to it). The web app's
    forms, which can only send text, still work."""
    for method, path, body, field in STRICT_BODIES:
        token = served.clinician if path == "/v1/patients" else served.patient
        with served.server.client(token) as client:
            reply = client.request(method, path.format(pid=served.patient_id), json=body)
        assert refused_field(reply) == field, (path, body)
    with served.server.client(served.patient) as client:
        diary = client.get(f"/v1/patients/{served.patient_id}/diary").json()["items"]
        assert diary == []
    with web_client(served, served.patient) as person:
        page = f"/patients/{served.patient_id}"
        form = {"csrf": form_token(person, page), "day": day(11), "pain": "5"}
        entry = person.post(f"{page}/diary", data={**form, "function": "7"})
        assert entry.status_code == 303, entry.text
