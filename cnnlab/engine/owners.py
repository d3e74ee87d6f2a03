"""Owner tokens: who a browser session is, so a student sees and stops only their own jobs."""

from __future__ import annotations

import re
import secrets

_TOKEN_BYTES = 18
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{24}")


def new_owner_token() -> str:
    """A fresh unguessable owner token: 24 URL-safe characters from `secrets`, never a counter or clock."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def is_owner_token(value: object) -> bool:
    """True when `value` has the exact shape of a `new_owner_token` token (so it is safe in paths and SQL)."""
    return isinstance(value, str) and _TOKEN_PATTERN.fullmatch(value) is not None
