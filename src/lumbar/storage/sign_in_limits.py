"""How often a sign-in may fail: per account and address with backoff, per address, per
account from many addresses. Counted in the audit log, so every server agrees.

The standard defence against guessing that does not let anyone lock anyone out:
- an account and one address: `limit` failures, then a wait after the latest failure that
  doubles with each further failure (1 minute, 2, 4, ... at most 15); a success from
  that address starts afresh;
- one address over all accounts (password spraying): `limit` x 10 failures a minute;
- one account over all addresses (a distributed guess): `limit` x 10 failures an hour
  block the addresses that have failed on it, never one that has not, so the owner's
  correct password from a clean address still works.
Refused (blocked) attempts are recorded as `login_blocked` and are not failures: waiting
out the backoff is enough, hammering does not extend it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lumbar.storage.models import AuditEvent

FAILED = "login_failed"
BLOCKED = "login_blocked"
SUCCEEDED = "login"
PAIR_MEMORY = timedelta(days=1)
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(minutes=15)
ADDRESS_WINDOW = timedelta(minutes=1)
ACCOUNT_WINDOW = timedelta(hours=1)
WIDE_FACTOR = 10  # an address, or an account, may fail this many times the pair limit


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds, when not allowed


def _failures(
    session: Session, since: datetime, *, account: str | None = None, address: str | None = None
) -> tuple[int, datetime | None]:
    query = select(func.count(), func.max(AuditEvent.at)).where(
        AuditEvent.action == FAILED, AuditEvent.at >= since
    )
    if account is not None:
        query = query.where(AuditEvent.resource_id == account)
    if address is not None:
        query = query.where(AuditEvent.client_address == address)
    count, latest = session.execute(query).one()
    return int(count or 0), latest


def _last_success(session: Session, user_id: str, address: str | None) -> datetime | None:
    query = select(func.max(AuditEvent.at)).where(
        AuditEvent.action == SUCCEEDED, AuditEvent.resource_id == user_id
    )
    query = query.where(
        AuditEvent.client_address.is_(None)
        if address is None
        else AuditEvent.client_address == address
    )
    return session.scalar(query)


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def sign_in_verdict(
    session: Session,
    *,
    account: str,
    user_id: str | None,
    address: str | None,
    limit: int,
    now: datetime,
) -> Verdict:
    """Whether a sign-in for `account` (its keyed hash) from `address` may be checked now."""
    since = now - PAIR_MEMORY
    if user_id is not None:
        since = max(since, _last_success(session, user_id, address) or since)
    pair, latest = _failures(session, since, account=account, address=address)
    if pair >= limit and latest is not None:
        wait = min(FIRST_WAIT * 2 ** (pair - limit), LONGEST_WAIT)
        if now - latest < wait:
            return Verdict(False, _seconds(wait - (now - latest)))
    if address is not None:
        spraying, latest = _failures(session, now - ADDRESS_WINDOW, address=address)
        if spraying >= limit * WIDE_FACTOR and latest is not None:
            return Verdict(False, _seconds(ADDRESS_WINDOW - (now - latest)))
    if pair > 0:
        spread, latest = _failures(session, now - ACCOUNT_WINDOW, account=account)
        if spread >= limit * WIDE_FACTOR and latest is not None:
            return Verdict(False, _seconds(ACCOUNT_WINDOW - (now - latest)))
    return Verdict(True)
