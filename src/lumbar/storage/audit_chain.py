"""The audit log's hash chain, and the seals of the assessments it records.

Every audit event written since revision 0002 carries `chain_hash`, two HMAC-SHA256 tags
(keyed with `session.info[AUDIT_KEY]`, derived from the server's secret, which is not in
the database), 32 hex digits each:

- the *content tag* over the event's canonical bytes (`canonical_event`): every column but
  `chain_hash`, its own id included, so an event changed in place is named as changed;
- the *link tag* over the previous event's `chain_hash` and the same bytes, so an event
  removed from the middle of the log (or one put in) breaks the link of the event after it.

The event that records an assessment's creation holds, in `content_hash`, an HMAC of the
assessment's content (`assessment_seal`); the chain protects that event, the seal protects
the assessment.

`verify` walks the log in id order and names the first broken link. What it cannot see:
the newest events removed (the chain then just ends earlier) or the whole log replaced by
an older copy of it. Write the head it reports (`ChainReport.head`, the last id and hash)
down somewhere the database's users cannot change, and pass it back as `noted_head` next
time: a noted head that is gone or changed is reported as a truncation. Whoever holds the
secret can recompute every tag, so the chain shows tampering to the secret's holder, not
to a party who must trust that holder.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from lumbar.storage.database import AUDIT_KEY
from lumbar.storage.models import Assessment, AuditEvent

EVENT_FIELDS = (
    "id",
    "at",
    "actor_user_id",
    "actor_kind",
    "action",
    "resource_type",
    "resource_id",
    "patient_id",
    "client_address",
    "outcome",
    "request_id",
    "content_hash",
)  # every column of audit_events but chain_hash, in the order they are hashed
ASSESSMENT_FIELDS = (
    "id",
    "patient_id",
    "created_by",
    "answers",
    "result",
    "kb_version",
    "language",
    "triage_level",
    "red_flags_open",
    "started_at",
    "finished_at",
)
TAG_HEX = 32  # each tag: HMAC-SHA256 cut to 128 bits
CHUNK = 1000  # rows read per transaction by `verify`

EventProblem = Literal[
    "content_changed", "link_missing", "previous_mismatch", "head_changed", "truncated"
]
AssessmentProblemKind = Literal["changed", "unsealed", "removed"]


class ChainedEvent(Protocol):
    """An audit event: the model or a row of the table (the same attribute names)."""

    id: int
    at: datetime
    actor_user_id: str | None
    actor_kind: str
    action: str
    resource_type: str
    resource_id: str | None
    patient_id: str | None
    client_address: str | None
    outcome: str
    request_id: str | None
    content_hash: str | None


def utc_text(moment: datetime) -> str:
    """The fixed form of a timestamp: UTC, microseconds, `Z` (e.g. 2026-01-02T03:04:05.000006Z)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _canonical_value(value: object) -> object:
    return utc_text(value) if isinstance(value, datetime) else value


def _canonical_json(data: object) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def canonical_event(event: ChainedEvent) -> bytes:
    """The bytes the chain's tags cover: a JSON array of `EVENT_FIELDS` in that order
    (None is null, distinct from an empty string; timestamps as `utc_text`)."""
    values = [_canonical_value(getattr(event, name)) for name in EVENT_FIELDS]
    return _canonical_json(["lumbar audit event v1", values])


def _tag(key: bytes, purpose: bytes, *parts: bytes) -> str:
    mac = hmac.new(key, purpose + b"\x00", hashlib.sha256)
    for part in parts:
        mac.update(part)
    return mac.hexdigest()[:TAG_HEX]


def _content_tag(key: bytes, body: bytes) -> str:
    return _tag(key, b"lumbar audit content", body)


def _link_tag(key: bytes, previous_hash: str | None, body: bytes) -> str:
    return _tag(key, b"lumbar audit link", _canonical_json(previous_hash), b"\x00", body)


def _equal(stored: object, expected: str) -> bool:
    """Whether a stored tag is the expected one (constant time; anything not text is not)."""
    return isinstance(stored, str) and hmac.compare_digest(
        stored.encode("utf-8", "surrogatepass"), expected.encode()
    )


def link(key: bytes, previous_hash: str | None, event: ChainedEvent) -> str:
    """The event's `chain_hash` (64 hex digits): its content tag, then its link tag to the
    event before it (`previous_hash` is that event's chain_hash; None for the first)."""
    body = canonical_event(event)
    return _content_tag(key, body) + _link_tag(key, previous_hash, body)


def assessment_seal(key: bytes, assessment: Assessment | Any) -> str:
    """HMAC-SHA256 (hex) of an assessment's content: `ASSESSMENT_FIELDS` as canonical JSON
    (sorted keys, no whitespace, ASCII only; timestamps as `utc_text`)."""
    content = {name: _canonical_value(getattr(assessment, name)) for name in ASSESSMENT_FIELDS}
    body = _canonical_json(["lumbar assessment v1", content])
    return hmac.new(key, b"lumbar assessment\x00" + body, hashlib.sha256).hexdigest()


def session_key(session: Session) -> bytes:
    """The chain's key on this session (`make_session_factory` puts it there)."""
    key = session.info.get(AUDIT_KEY)
    if not isinstance(key, bytes):
        raise RuntimeError("the session has no audit chain key: make it with make_session_factory")
    return key


@dataclass(frozen=True)
class Head:
    """The newest event: write it down to detect a later truncation of the log."""

    event_id: int
    chain_hash: str | None

    def __str__(self) -> str:
        return f"{self.event_id}:{self.chain_hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """A head from its `ID:HASH` text form."""
        event_id, separator, chain_hash = text.partition(":")
        if not separator or not event_id.strip().isdigit() or not chain_hash.strip():
            raise ValueError("a head is ID:HASH, as `lumbar audit verify` prints it")
        return cls(int(event_id), chain_hash.strip())


@dataclass(frozen=True)
class BrokenLink:
    """The first event at which the chain does not hold."""

    event_id: int
    problem: EventProblem
    detail: str


@dataclass(frozen=True)
class AssessmentProblem:
    assessment_id: str
    problem: AssessmentProblemKind
    event_id: int | None  # the sealing event, when there is one
    detail: str


@dataclass
class ChainReport:
    """What `verify` found. `intact` when no link is broken and every assessment matches
    its seal. Events before the chain (written before revision 0002) are counted, not
    checked; so are the assessments they record."""

    events_checked: int = 0
    events_before_chain: int = 0
    first_chained_id: int | None = None
    head: Head | None = None
    broken: BrokenLink | None = None
    broken_links: int = 0
    assessments_checked: int = 0
    assessments_before_chain: int = 0
    assessment_problems: list[AssessmentProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.broken is None and not self.assessment_problems

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["head"] = None if self.head is None else str(self.head)
        data["intact"] = self.intact
        return data


class _Walk:
    """The state of a walk along the chain, one event at a time in id order."""

    def __init__(self, key: bytes, report: ChainReport, noted_head: Head | None) -> None:
        self.key = key
        self.report = report
        self.noted_head = noted_head
        self.noted_seen = False
        self.previous: ChainedEvent | None = None
        self.previous_hash: str | None = None
        self.chained = False

    def _break(self, event_id: int, problem: EventProblem, detail: str) -> None:
        self.report.broken_links += 1
        if self.report.broken is None:
            self.report.broken = BrokenLink(event_id, problem, detail)

    def step(self, event: ChainedEvent, chain_hash: Any) -> None:
        report = self.report
        breaks = report.broken_links
        self._check_link(event, chain_hash)
        noted = self.noted_head
        if noted is not None and event.id == noted.event_id:
            self.noted_seen = True
            if chain_hash != noted.chain_hash and report.broken_links == breaks:
                self._break(event.id, "head_changed", "the noted head event has another hash now")

    def _check_link(self, event: ChainedEvent, chain_hash: Any) -> None:
        report = self.report
        if chain_hash is None:
            if self.chained:
                self._break(
                    event.id,
                    "link_missing",
                    "no chain hash after a chained event (added or changed outside lumbar)",
                )
                self.previous_hash = None
            else:
                report.events_before_chain += 1
            self.previous = event
            return
        if not self.chained:
            self.chained = True
            report.first_chained_id = event.id
        report.events_checked += 1
        body = None if isinstance(event, _Unreadable) else _canonical_or_none(event)
        stored = chain_hash if isinstance(chain_hash, str) else repr(chain_hash)
        content, linked = stored[:TAG_HEX], stored[TAG_HEX:]
        if body is None:
            self._break(
                event.id, "content_changed", "a value of a type lumbar never writes (changed)"
            )
        elif not _equal(content, _content_tag(self.key, body)):
            self._break(event.id, "content_changed", "the event differs from what was written")
        elif not _equal(linked, _link_tag(self.key, self.previous_hash, body)):
            after = f"after event {self.previous.id}" if self.previous else "at the start"
            self._break(
                event.id,
                "previous_mismatch",
                f"the event before it is not the one it was written after: events {after} "
                "were removed, or an event was put in",
            )
        self.previous = event
        self.previous_hash = stored

    def finish(self) -> None:
        if self.previous is not None:
            self.report.head = Head(self.previous.id, self.previous_hash)
        noted = self.noted_head
        if noted is not None and not self.noted_seen:
            self.report.broken_links += 1
            if self.report.broken is None:
                self.report.broken = BrokenLink(
                    noted.event_id,
                    "truncated",
                    "the noted head event is gone: the newest events were removed",
                )


@dataclass(frozen=True)
class _Unreadable:
    """An event row its column types cannot read (SQLite keeps any value in any column)."""

    id: int
    chain_hash: Any


UNREADABLE = (ValueError, TypeError)  # what a column's type raises on a value it cannot read


def _canonical_or_none(event: ChainedEvent) -> bytes | None:
    try:
        return canonical_event(event)
    except UNREADABLE:
        return None


def _read(session: Session, query: Any) -> list[Any] | None:
    """The rows, or None when a value cannot be read; the transaction ended either way (the
    reads write nothing, and on SQLite each transaction holds the write lock)."""
    try:
        return list(session.execute(query).all())
    except UNREADABLE:
        return None
    finally:
        session.rollback()


def _events(session: Session, chunk: int) -> Iterable[Any]:
    """Every audit event in id order, `chunk` rows per transaction (so a SQLite writer waits
    at most one chunk). A chunk with a row that cannot be read is read row by row."""
    table = AuditEvent.__table__
    last: int | None = None
    while True:
        ids = select(table.c.id).order_by(table.c.id).limit(chunk)
        query = select(table).order_by(table.c.id).limit(chunk)
        if last is not None:
            ids = ids.where(table.c.id > last)
            query = query.where(table.c.id > last)
        rows = _read(session, query)
        if rows is None:
            rows = [_one_event(session, row[0]) for row in _read(session, ids) or []]
        yield from rows
        if len(rows) < chunk:
            return
        last = rows[-1].id


def _one_event(session: Session, event_id: int) -> Any:
    table = AuditEvent.__table__
    found = _read(session, select(table).where(table.c.id == event_id))
    if found:
        return found[0]
    hashes = _read(session, select(table.c.chain_hash).where(table.c.id == event_id))
    return _Unreadable(event_id, hashes[0][0] if hashes else "unreadable")


def _check_assessments(session: Session, key: bytes, report: ChainReport, chunk: int) -> None:
    """Each assessment against the seal in the event that records its creation."""
    assessments = Assessment.__table__
    events = AuditEvent.__table__
    creates = and_(
        events.c.action == "create",
        events.c.resource_type == "assessment",
        events.c.outcome == "ok",
    )
    first_chained = report.first_chained_id
    sealed = (
        select(
            assessments,
            events.c.id.label("event_id"),
            events.c.chain_hash.label("event_chain_hash"),
            events.c.content_hash.label("seal"),
        )
        .select_from(
            assessments.outerjoin(events, and_(creates, events.c.resource_id == assessments.c.id))
        )
        .order_by(assessments.c.id, events.c.id)
    )
    last: str | None = None
    while True:
        page = select(assessments.c.id).order_by(assessments.c.id).limit(chunk)
        if last is not None:
            page = page.where(assessments.c.id > last)
        ids = [row[0] for row in _read(session, page) or []]
        if not ids:
            break
        in_page = sealed.where(assessments.c.id <= ids[-1])  # the database's order (collation)
        if last is not None:
            in_page = in_page.where(assessments.c.id > last)
        rows = _read(session, in_page)
        if rows is None:  # a value its column cannot read: row by row, to name it
            rows = []
            for assessment_id in ids:
                one = _read(session, sealed.where(assessments.c.id == assessment_id))
                if one is None:
                    report.assessment_problems.append(
                        AssessmentProblem(
                            assessment_id, "changed", None, "a value of a type lumbar never writes"
                        )
                    )
                rows.extend(one or [])
        seen: dict[str, list[Any]] = {}
        for row in rows:
            seen.setdefault(row.id, []).append(row)
        for assessment_id, found in seen.items():
            _check_assessment(key, report, first_chained, assessment_id, found)
        if len(ids) < chunk:
            break
        last = ids[-1]
    removed = (
        select(events.c.id, events.c.resource_id)
        .select_from(events.outerjoin(assessments, assessments.c.id == events.c.resource_id))
        .where(creates, events.c.content_hash.is_not(None), assessments.c.id.is_(None))
        .order_by(events.c.id)
    )
    for event_id, assessment_id in _read(session, removed) or []:
        report.assessment_problems.append(
            AssessmentProblem(
                assessment_id, "removed", event_id, "the event sealed it, the row is gone"
            )
        )
    report.assessment_problems.sort(
        key=lambda p: (p.event_id is None, p.event_id or 0, p.assessment_id)
    )


def _check_assessment(
    key: bytes,
    report: ChainReport,
    first_chained: int | None,
    assessment_id: str,
    rows: list[Any],
) -> None:
    sealing = [row for row in rows if row.event_id is not None and row.seal is not None]
    if sealing:
        report.assessments_checked += 1
        row = sealing[0]
        try:
            expected = assessment_seal(key, row)
        except UNREADABLE:
            expected = ""
        if not _equal(row.seal, expected):
            report.assessment_problems.append(
                AssessmentProblem(
                    assessment_id, "changed", row.event_id, "the row differs from its seal"
                )
            )
        return
    before_chain = any(
        row.event_id is not None
        and row.event_chain_hash is None
        and (first_chained is None or row.event_id < first_chained)
        for row in rows
    )
    if before_chain:
        report.assessments_before_chain += 1
        return
    report.assessment_problems.append(
        AssessmentProblem(assessment_id, "unsealed", None, "no chained event records its creation")
    )


def verify(
    session: Session, key: bytes, *, noted_head: Head | None = None, chunk: int = CHUNK
) -> ChainReport:
    """Walk the audit log in id order, checking every link, then every assessment against
    its seal. `noted_head`: a head written down earlier; if that event is gone or changed,
    the log was truncated or rewritten (nothing else can show a removal of the newest
    events). Reads `chunk` rows per transaction and ends the session's transaction between
    them (it writes nothing): give it a session with no changes pending."""
    if session.new or session.dirty or session.deleted:
        raise ValueError("verify ends the session's transactions: pass one with nothing pending")
    report = ChainReport()
    walk = _Walk(key, report, noted_head)
    for row in _events(session, chunk):
        walk.step(row, row.chain_hash)
    walk.finish()
    _check_assessments(session, key, report, chunk)
    return report
