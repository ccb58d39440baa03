"""API keys: one per provider and for the coordinator, stored only as a hash.

A key is 32 random bytes (``zr_`` plus URL-safe base64). Such a key cannot be guessed, so a
fast hash (SHA-256) is enough to keep the stored hashes useless to a reader of the
database (a slow password hash is for low-entropy secrets) and lets a request's key be
looked up by its hash.

Roles:

- ``coordinator``: submits nights of the whole pool and sees every job in full;
- ``provider``: sees the jobs its provider takes part in, through the privacy view (its
  own clients in full, others' only as a pseudonym and a village), and may submit a night
  of its own visits and shifts only.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from zorgroute_api.db import ApiKey, utcnow

Role = Literal["coordinator", "provider"]
ROLES: tuple[Role, ...] = ("coordinator", "provider")
KEY_PREFIX = "zr_"


@dataclass(frozen=True)
class Caller:
    """Who is asking: the key's id, role and (for a provider key) provider."""

    key_id: int
    name: str
    role: Role
    provider: str | None

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, *, name: str, role: Role, provider: str | None = None) -> str:
    """Store a new key and return it; it is shown this once and never stored in clear.

    Raises
    ------
    ValueError
        A provider key without a provider, a coordinator key with one, or an unknown role.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if (role == "provider") != bool(provider):
        raise ValueError("a provider key needs a provider; a coordinator key has none")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            name=name,
            role=role,
            provider=provider or None,
            key_hash=hash_key(key),
            key_prefix=key[:10],
            created_at=utcnow(),
        )
    )
    session.commit()
    return key


def lookup(session: Session, key: str) -> Caller | None:
    """The caller a key belongs to, or ``None`` for an unknown or revoked key."""
    if not key or len(key) > 200:
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
    if row is None or row.revoked_at is not None:
        return None
    role: Role = "coordinator" if row.role == "coordinator" else "provider"
    return Caller(key_id=row.id, name=row.name, role=role, provider=row.provider)


def revoke(session: Session, key_id: int) -> bool:
    """Revoke the key with id ``key_id``; whether an active key was revoked."""
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.commit()
    return True
