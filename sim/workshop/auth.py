"""Codes and tokens of a workshop, and their checks.

Every code is random from :mod:`secrets`: the room code (reusable: lists the free seats), one
seat code per team (its join link), the facilitator's code, and the seat token a browser gets
when it claims a seat (kept in a cookie; the store keeps only its SHA-256). Checks compare in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CODE_BYTES = 12


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def new_codes(team_ids: list[str]) -> dict:
    """Room, facilitator and seat codes of a new workshop."""
    return {"room": secrets.token_hex(3).upper(), "facilitator": new_code(),
            "seats": {t: new_code() for t in team_ids}}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(secret: str | None, expected_digest: str) -> bool:
    """True when ``secret`` hashes to ``expected_digest`` (constant-time comparison)."""
    if not secret or not isinstance(secret, str):
        return False
    return hmac.compare_digest(digest(secret), expected_digest)
