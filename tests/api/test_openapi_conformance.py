"""The published OpenAPI description against a real server, property-based (schemathesis).

On SQLite and on PostgreSQL (a module-scoped `lumbar serve` each), every operation of the
/openapi.json the server publishes gets, all of it sent from CLIENTS = 8 threads at once
(each its own connection), with the same checks on every reply:

- FUZZ_EXAMPLES = 30 requests drawn by Hypothesis from schemathesis' strategies, valid and
  invalid together (8 for POST /v1/auth/token and 6 for POST /v1/me/password: each costs
  an argon2 check), sent in turn by the roles that may use the operation (a clinician and
  a patient of one clinic for records, an admin for accounts, all three for /v1/me) and 2
  of them by each role it refuses (an integration's API key among them);
- schemathesis' coverage cases: boundary and just-invalid values of every field and
  parameter, missing required ones, wrong types, methods the path does not have (about 960
  in all), sent by the first of those roles;
- for the six operations random data does not get through (a right password, a fresh
  invitation, an unused email, complete answers), one valid request.

Path ids are the test's own records three times in four, so the success paths run: every
operation answers 2xx at least once (printed with -s). About 1890 requests per database.
The cases are made once, for both databases, and are the same every run (Hypothesis
derandomized, coverage deterministic, a fixed order per operation); only the threads'
interleaving varies. Each operation's cases are made while the previous one's are sent.

Checks: not_a_server_error, status_code_conformance, content_type_conformance,
response_schema_conformance, response_headers_conformance, negative_data_rejection (an
invalid request is refused with a 4xx), positive_data_acceptance (a valid one is not
refused with a 400 or 422; a 422 for a rule no JSON Schema can state is right: RIGHT),
unsupported_method (405 with Allow), allow_header_conformance (OPTIONS), ignored_auth (once
per operation: refused without credentials and with wrong ones). Left out:
missing_required_header: no operation has a required header parameter (credentials are
security schemes, which ignored_auth covers); use_after_free, ensure_resource_availability:
they follow the links between a stateful run's requests, and these are independent;
object_level_authorization: needs schemathesis' multi-identity run (test_api.py pins who
sees what); max_response_time: a time on a shared CI machine is no conformance property.

Measured on the 2-core development machine while other test runs shared it (load 3-7):
SQLite 57 s (14 s to start the server and make the records, 43 s of requests, the cases'
generation overlapping them), PostgreSQL 47 s (15 s and 32 s), the file 1 min 50 s (2 min
20 s when the machine was busier). DEADLINE bounds each database's requests.

Hypothesis drives schemathesis' strategies directly (`operation.as_strategy`): the
schemathesis pytest plugin cannot load a schema from a fixture (`from_fixture`) under
pytest 9.2. The cases are collected first and sent afterwards, so failures are not shrunk;
each report has a curl command. KNOWN_BUGS excuses server bugs until they are fixed.
"""

from __future__ import annotations

import copy
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.transport import Response
from schemathesis.openapi.checks import AllowHeaderMismatch, RejectedPositiveData
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from lumbar.api import routes_accounts, routes_public, routes_records

from ..live_server import STRAIN
from .conftest import ADMIN, LiveServer, database_url, serve

PASSWORD = "conformance-password-1"
FUZZ_EXAMPLES = 30  # per operation, valid and invalid together
ARGON2_EXAMPLES = {"POST /v1/auth/token": 8, "POST /v1/me/password": 6}  # a password check each
REFUSED_EXAMPLES = 2  # of an operation's fuzzed cases, sent by each role it refuses
CLIENTS = 8  # threads sending at once, each on its own connection
DEADLINE = 240  # seconds for one database's requests (about 30-60 s are needed)
SEED = 13
ADMIN_PATHS = ("/v1/users", "/v1/api-keys", "/v1/audit")
METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}

# A generated path id is one of these three times in four; each stands for a record on the
# server under test and is replaced by its id when the request is sent.
RECORDS = {
    "patient_id": ("PATIENT",),
    "assessment_id": ("ASSESSMENT",),
    "interview_id": ("INTERVIEW",),
    "user_id": ("PERSON", "INTEGRATION"),
    "key_id": ("KEY",),
}

Check = Callable[[CheckContext, Response, Case], bool | None]
Problem = tuple[str, str]  # an error reply's field ("" if none) and problem
PYDANTIC = "the request is not valid"  # the message of a reply to a body the model refuses


# --- Replies the checks flag that are right, and known server bugs --------------------------

# A 422 to a request the description allows is right when the rule broken is one no JSON
# Schema can state: the knowledge base's findings and values, the server's records, today's
# date, or one field's dependence on another. Each problem of the reply must be one of these.
RIGHT: dict[str, Callable[[str, Problem], bool]] = {
    "the knowledge base decides which findings and exercises exist, the values of each "
    "and which are required": lambda message, problem: (
        (message != PYDANTIC and problem[0].startswith(("answers.", "warning_signs", "asked")))
        or problem[1].startswith(("exercises_done: unknown", "warning_signs: unknown"))
    ),
    "the records: one diary entry a day, one account an email, a finished interview, a "
    "person's invitation or an integration's keys, no programme before its start": (
        lambda message, problem: (
            re.match(
                "the diary already has an entry|an account with this email exists|a clinic named|"
                "the interview is (finished|abandoned)|API keys belong to integration accounts|"
                "the integration account is deactivated|only a person's account can be invited|"
                "admins cannot deactivate their own account|.* is before the programme start",
                problem[1],
            )
            is not None
        )
    ),
    "a diary day or `today` is not later than tomorrow": (
        lambda message, problem: "must not be after" in problem[1]
    ),
    "clinicians and integrations need a clinic": (
        lambda message, problem: problem[1].endswith("account needs a clinic")
    ),
    "the current password must be the account's": (
        lambda message, problem: problem == ("current_password", "wrong password")
    ),
}


def _problems(response: Response) -> tuple[str, list[Problem]]:
    """An error reply's message and its problems: its fields, else the message's parts."""
    try:
        error = json.loads(response.content)["error"]
        message = str(error["message"])
        fields = [(str(f["field"]), str(f["problem"])) for f in error["fields"]]
    except (ValueError, KeyError, TypeError):
        return "", []
    parts = message.split("; ")  # the storage layer's "field: problem; field: problem"
    if not all(re.match("[a-z_]+: ", part) for part in parts):
        parts = [message]
    return message, fields or [("", part) for part in parts]


def _right(response: Response) -> bool:
    """Whether each problem of a 422 reply breaks a rule in RIGHT."""
    message, problems = _problems(response)
    return bool(problems) and all(
        any(rule(message, problem) for rule in RIGHT.values()) for problem in problems
    )


# KNOWN BUGS, excused until they are fixed (then delete them). Each says what was sent
# and the reply. The strict-integer, answer-key, email, repeated-exercise and
# number-as-date ones this test found are fixed (schemas.py).


def _allow_lists_one_route(case: Case, response: Response) -> bool:
    """Starlette: a 405's `Allow` names the methods of the first route on the path only
    (`OPTIONS /v1/users` answers `Allow: GET`, not `GET, POST`), where RFC 9110 wants all."""
    allowed = {m.strip().upper() for m in ",".join(response.headers.get("allow", [])).split(",")}
    declared = {m.upper() for m in case.operation.schema[case.operation.path]} & METHODS
    return response.status_code == 405 and bool(allowed) and allowed < declared


KNOWN_BUGS: dict[type[Failure], Callable[[Case, Response], bool]] = {
    AllowHeaderMismatch: _allow_lists_one_route,
}


def _checks(enforced: set[str]) -> list[Check]:
    """The checks on every reply. `enforced`: operations `ignored_auth` has seen refuse a
    request without a token and with a wrong one (it probes each operation once)."""

    def positive_data_acceptance_(ctx: CheckContext, response: Response, case: Case) -> None:
        try:
            positive_data_acceptance(ctx, response, case)
        except RejectedPositiveData:
            if response.status_code != 422 or not _right(response):
                raise

    def ignored_auth_(ctx: CheckContext, response: Response, case: Case) -> bool | None:
        ctx.auth_enforced_operations = enforced
        return ignored_auth(ctx, response, case)

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        response_headers_conformance,
        negative_data_rejection,
        positive_data_acceptance_,
        unsupported_method,
        allow_header_conformance,
        ignored_auth_,
    ]


# --- The cases ------------------------------------------------------------------------------


def _schema(published: dict[str, Any]) -> OpenApiSchema:
    config = schemathesis.Config.from_dict(
        {
            # Credentials are the test's own (Authorization or X-API-Key), never generated.
            "generation": {"with-security-parameters": False, "unique-inputs": True},
            "dictionaries": {name: {"values": list(values)} for name, values in RECORDS.items()},
            "parameters": {
                f"path.{name}": {"dictionary": name, "probability": 0.75} for name in RECORDS
            },
        }
    )
    schema = schemathesis.openapi.from_dict(published, config=config)
    assert isinstance(schema, OpenApiSchema)
    return schema


def _fuzzed(operation: APIOperation, count: int) -> list[Case]:
    """`count` valid and invalid requests drawn by Hypothesis, the same every run."""
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    strategy = st.one_of(*(operation.as_strategy(mode) for mode in modes))
    drawn: list[Case] = []

    @settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def draw(case: Case) -> None:
        drawn.append(case)

    draw()
    return drawn


@dataclass
class Cases:
    """The description the first server publishes and, made on first use, each operation's
    fuzzed and coverage cases: the same for both databases."""

    published: dict[str, Any] = field(default_factory=dict)
    schema: OpenApiSchema | None = None
    made: dict[str, tuple[list[Case], list[Case]]] = field(default_factory=dict)

    def operations(self, live: LiveServer) -> list[APIOperation]:
        """The operations `live` publishes, which every server must publish alike."""
        with live.client() as client:
            published = client.get("/openapi.json").json()
        if self.schema is None:
            self.published, self.schema = copy.deepcopy(published), _schema(published)
        assert published == self.published
        return [result.ok() for result in self.schema.get_all_operations()]

    def of(self, operation: APIOperation) -> tuple[list[Case], list[Case]]:
        assert self.schema is not None
        if operation.label not in self.made:
            fuzzed = _fuzzed(operation, ARGON2_EXAMPLES.get(operation.label, FUZZ_EXAMPLES))
            modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
            generation = self.schema.config.generation_for(operation=operation, phase="coverage")
            covered = self.schema.iter_coverage_cases(
                operation, generation_modes=modes, generation_config=generation
            )
            self.made[operation.label] = fuzzed, list(covered)
        return self.made[operation.label]


@pytest.fixture(scope="module")
def cases() -> Cases:
    return Cases()


# --- The server and its records -------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def conformance_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder: Path = tmp_path_factory.mktemp("conformance")
    database = database_url(request, request.param, folder, "conformance")
    with serve(database, folder) as server:
        yield server


def _created(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


@dataclass(frozen=True)
class World:
    credentials: dict[str, dict[str, str]]  # role: the headers that sign it in
    ids: dict[str, str]  # RECORDS placeholder: the record's id on this server
    examples: dict[str, tuple[str, dict[str, Any]]]  # operation: a role and a valid request


@pytest.fixture(scope="module")
def world(conformance_server: LiveServer) -> World:
    """A clinician and a patient of one clinic, the patient's records (an assessment, a diary
    entry, an interview), an integration of the clinic with a key to read patients; and for
    the admin to manage, a person's account and an integration's with a key. And for each
    operation that random data does not get through (it takes a right password, a fresh
    invitation, an unused email or complete answers), one valid request."""
    live = conformance_server
    admin_token = live.token(*ADMIN)
    tokens = {"admin": admin_token}
    accounts: dict[str, dict[str, Any]] = {}
    for role in ("clinician", "patient"):
        email = f"{role}-{uuid.uuid4().hex[:6]}@lumbar.test"
        accounts[role] = live.create_account(admin_token, email, role, "north", PASSWORD)
        tokens[role] = live.token(email, PASSWORD)
    person = live.create_account(admin_token, "person@lumbar.test", "patient", "north")
    keys = {}
    with live.client(admin_token) as admin:
        for name in ("managed", "integration"):
            account = live.create_account(
                admin_token, f"{name}@lumbar.test", "integration", "north"
            )
            body = {"name": name, "scopes": ["patients:read"]}
            keys[name] = _created(admin.post(f"/v1/users/{account['id']}/api-keys", json=body))
            keys[name]["user_id"] = account["id"]
    pid = accounts["patient"]["patient_id"]
    with live.client(tokens["patient"]) as client:
        stored = client.post(f"/v1/patients/{pid}/assessments", json={"answers": STRAIN})
        assessment = _created(stored)
        _created(client.post(f"/v1/patients/{pid}/diary", json={"day": "2026-11-20", "pain": 5}))
        interview = _created(client.post(f"/v1/patients/{pid}/interviews", json={}))
        answered = _created(client.post(f"/v1/patients/{pid}/interviews", json={}))
        put = client.put(f"/v1/interviews/{answered['id']}/answers", json={"answers": STRAIN})
        assert put.status_code == 200, put.text
    with live.client(admin_token) as admin:
        body = {"email": "invited@lumbar.test", "role": "patient", "clinic": "north"}
        invitation = _created(admin.post("/v1/users", json=body))["invitation"]["code"]
    live.create_account(admin_token, "changer@lumbar.test", "patient", "north", PASSWORD)
    tokens["changer"] = live.token("changer@lumbar.test", PASSWORD)
    credentials = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    credentials["integration"] = {"X-API-Key": keys["integration"]["key"]}
    credentials["anonymous"] = {}
    ids = {
        "PATIENT": pid,
        "ASSESSMENT": assessment["id"],
        "INTERVIEW": interview["id"],
        "PERSON": person["id"],
        "INTEGRATION": keys["managed"]["user_id"],
        "KEY": keys["managed"]["id"],
    }
    new_password = {"current_password": PASSWORD, "new_password": "conformance-password-2"}
    examples = {
        "POST /v1/auth/token": (
            "anonymous",
            {"body": {"email": accounts["clinician"]["email"], "password": PASSWORD}},
        ),
        "POST /v1/auth/invitation": (
            "anonymous",
            {"body": {"invitation": invitation, "password": "conformance-password-3"}},
        ),
        "POST /v1/me/password": ("changer", {"body": new_password}),
        "POST /v1/users": (
            "admin",
            {"body": {"email": "added@lumbar.test", "role": "clinician", "clinic": "north"}},
        ),
        "POST /v1/patients/{patient_id}/assessments": (
            "patient",
            {"path_parameters": {"patient_id": pid}, "body": {"answers": STRAIN}},
        ),
        "POST /v1/interviews/{interview_id}/finish": (
            "patient",
            {"path_parameters": {"interview_id": answered["id"]}},
        ),
    }
    return World(credentials, ids, examples)


# --- Sending --------------------------------------------------------------------------------


def _senders(operation: APIOperation) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The roles that send an operation's cases in turn, and those it refuses (a few each)."""
    if not operation.definition.raw.get("security"):
        return ("anonymous",), ()
    if operation.path.startswith(ADMIN_PATHS):
        return ("admin",), ("clinician", "patient", "integration")
    if operation.path.startswith("/v1/me"):
        return ("clinician", "patient", "admin"), ("integration",)
    return ("clinician", "patient"), ("admin", "integration")


@dataclass(frozen=True)
class Job:
    role: str
    case: Case
    pinned: bool  # a coverage case: its path ids are the records' (unless it makes them invalid)


def _jobs(operation: APIOperation, fuzzed: list[Case], covered: list[Case]) -> list[Job]:
    """The operation's cases with the role sending each, in a shuffled but fixed order."""
    senders, refused = _senders(operation)
    jobs = [Job(senders[i % len(senders)], case, False) for i, case in enumerate(fuzzed)]
    jobs += [Job(role, case, False) for role in refused for case in fuzzed[:REFUSED_EXAMPLES]]
    jobs += [Job(senders[0], case, True) for case in covered]
    random.Random(f"{SEED} {operation.label}").shuffle(jobs)
    return jobs


def _fresh(job: Job, ids: Mapping[str, str]) -> Case:
    """A copy of the job's case to send, its placeholder path ids replaced by this server's."""
    case, meta = job.case, job.case._meta
    path = dict(case.path_parameters)
    if job.pinned and meta is not None and not meta.is_negative_at(ParameterLocation.PATH):
        path = {name: RECORDS[name][0] for name in path}
    path = {
        name: ids.get(value, value) if isinstance(value, str) else value
        for name, value in path.items()
    }
    return Case(
        operation=case.operation,
        method=case.method,
        path=case.path,
        path_parameters=path,
        headers=copy.deepcopy(case.headers),
        cookies=dict(case.cookies),
        query=copy.deepcopy(case.query),
        body=copy.deepcopy(case.body),
        media_type=case.media_type,
        multipart_content_types=case.multipart_content_types,
        meta=copy.deepcopy(meta),
    )


@dataclass
class Findings:
    """Distinct failures per (role, operation), with the first report of each and a count;
    and how many replies each known bug excused."""

    failed: dict[tuple[str, str], dict[str, tuple[str, int]]] = field(default_factory=dict)
    excused: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, role: str, operation: str, kind: str, report: str) -> None:
        with self.lock:
            found = self.failed.setdefault((role, operation), {})
            first, count = found.get(kind, (report, 0))
            found[kind] = (first, count + 1)

    def excuse(self, bug: str) -> None:
        with self.lock:
            self.excused[bug] = self.excused.get(bug, 0) + 1


class Sender:
    """Sends jobs to a live server and checks every reply; one HTTP session per thread."""

    def __init__(self, live: LiveServer, world: World) -> None:
        self.live, self.world = live, world
        self.enforced: set[str] = set()  # operations ignored_auth has probed
        self.checks = _checks(self.enforced)
        self.succeeded: set[str] = set()  # operations that answered 2xx
        self.findings = Findings()
        self.local = threading.local()

    def __call__(self, job: Job) -> None:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        case = _fresh(job, self.world.ids)
        headers = self.world.credentials[job.role]
        sent = {"base_url": self.live.url, "session": session, "headers": headers, "timeout": 60}
        label = case.operation.label
        try:
            response = case.call(**sent)
        except requests.RequestException as error:
            self.findings.fail(job.role, label, type(error).__name__, repr(error))
            return
        if 200 <= response.status_code < 300:
            self.succeeded.add(label)
        try:
            case.validate_response(
                response, checks=self.checks, headers=headers, transport_kwargs=sent
            )
        except FailureGroup as group:
            self._report(job.role, case, response, group)

    def _report(self, role: str, case: Case, response: Response, group: FailureGroup) -> None:
        for failure in group.exceptions:
            bug = KNOWN_BUGS.get(type(failure))
            if bug is not None and bug(case, response):
                self.findings.excuse(bug.__name__)
            else:
                kind = f"{failure.code} {failure.title}"
                self.findings.fail(role, case.operation.label, kind, str(group))


def test_every_operation_conforms_with_concurrent_clients(
    conformance_server: LiveServer, world: World, cases: Cases, subtests: pytest.Subtests
) -> None:
    live = conformance_server
    operations = cases.operations(live)
    routes = [
        route
        for module in (routes_public, routes_accounts, routes_records)
        for route in module.router.routes
        if isinstance(route, APIRoute)
    ]
    routed = {f"{method} {route.path}" for route in routes for method in route.methods}
    assert {operation.label for operation in operations} == routed
    sender = Sender(live, world)
    started = time.monotonic()
    sent: list[Future[None]] = []
    streams: set[tuple[str, str]] = set()
    pool = ThreadPoolExecutor(CLIENTS)
    try:
        for operation in operations:  # the next operation's cases are made while these go
            jobs = _jobs(operation, *cases.of(operation))
            if operation.label in world.examples:
                role, request = world.examples[operation.label]
                jobs.insert(0, Job(role, operation.Case(**request), False))
            streams |= {(job.role, operation.label) for job in jobs}
            sent += [pool.submit(sender, job) for job in jobs]
        done, late = wait(sent, timeout=max(0.0, DEADLINE - (time.monotonic() - started)))
    finally:
        pool.shutdown(cancel_futures=True)
    assert not late, f"{len(late)} of {len(sent)} requests not answered in {DEADLINE} s"
    for future in done:
        future.result()  # an error of the test itself
    elapsed = time.monotonic() - started
    never = sorted({operation.label for operation in operations} - sender.succeeded)
    print(
        f"\n{len(sent)} requests in {elapsed:.0f} s; without a 2xx reply: {never}; "
        f"ignored_auth probed {len(sender.enforced)} operations; "
        f"known bugs excused: {sender.findings.excused}"
    )
    for role, label in sorted(streams):
        with subtests.test(f"{role}: {label}"):
            found = sender.findings.failed.get((role, label), {})
            if found:
                text = "\n\n".join(
                    f"{kind} ({count} replies), the first:\n{report}"
                    for kind, (report, count) in sorted(found.items())
                )
                pytest.fail(text, pytrace=False)
