"""Passwords (argon2id), short-lived signed bearer tokens (JWT, HS256) and API keys. Pure."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10
TOKEN_ALGORITHM = "HS256"
API_KEY_SCHEME = "lbk"
API_KEY_PREFIX_LENGTH = 8

_hasher = PasswordHasher()


class WeakPassword(ValueError):
    """A password too short to accept."""


class InvalidToken(ValueError):
    """A bearer token that is malformed, wrongly signed or expired."""


def check_password_strength(password: str) -> None:
    """Raise WeakPassword unless the password has at least MIN_PASSWORD_LENGTH characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    """An argon2id hash of an acceptable password (raises WeakPassword)."""
    check_password_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def _unmatchable_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(32))


def spend_password_check(password: str) -> None:
    """Take as long as a real password check, so unknown accounts cannot be told by timing."""
    verify_password(_unmatchable_hash(), password)


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    role: str
    issued_at: datetime
    expires_at: datetime
    token_id: str
    version: int  # the account's token version when issued


def issue_token(
    user_id: str,
    role: str,
    secret: str,
    minutes: int,
    now: datetime | None = None,
    version: int = 0,
) -> str:
    """A bearer token for the user, valid for `minutes` while the account's token version
    stays `version`."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": user_id,
        "role": role,
        "ver": version,
        "iat": issued,
        "exp": issued + timedelta(minutes=minutes),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM)


def read_token(token: str, secret: str) -> TokenClaims:
    """The claims of a valid, unexpired token; raises InvalidToken otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[TOKEN_ALGORITHM],
            options={"require": ["sub", "role", "ver", "iat", "exp", "jti"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    return TokenClaims(
        user_id=str(claims["sub"]),
        role=str(claims["role"]),
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        token_id=str(claims["jti"]),
        version=int(claims["ver"]) if isinstance(claims["ver"], int) else -1,
    )


@dataclass(frozen=True)
class NewApiKey:
    """A freshly made key: `key` is shown once; only `prefix` and `key_hash` are stored."""

    key: str
    prefix: str
    key_hash: str


def hash_api_key(key: str) -> str:
    """SHA-256 hex of the whole key (the key is random, so no slow hash is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def generate_api_key() -> NewApiKey:
    """`lbk_<8 hex characters>_<43 random URL-safe characters>`."""
    prefix = secrets.token_hex(API_KEY_PREFIX_LENGTH // 2)
    key = f"{API_KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(key, prefix, hash_api_key(key))


def api_key_prefix(key: str) -> str | None:
    """The lookup prefix of a well-formed key, or None."""
    scheme, _, rest = key.partition("_")
    prefix, _, body = rest.partition("_")
    if scheme != API_KEY_SCHEME or len(prefix) != API_KEY_PREFIX_LENGTH or not body:
        return None
    return prefix


def api_key_matches(key: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key), key_hash)


def generate_invitation() -> tuple[str, str]:
    """A one-time invitation code and the SHA-256 hex of it (only the hash is stored)."""
    code = secrets.token_urlsafe(32)
    return code, hash_invitation(code)


def hash_invitation(code: str) -> str:
    """SHA-256 hex of an invitation code (random, so no slow hash is needed)."""
    return hashlib.sha256(code.encode()).hexdigest()


def account_key(email: str, secret: str) -> str:
    """A keyed hash standing for an email address in the audit log (login throttling)."""
    return hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()
