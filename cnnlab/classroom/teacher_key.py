"""The teacher key: the secret in the dashboard's address (`/Teacher?key=…`).

The one the server was configured with (`Settings.teacher_key`, from `CNNLAB_TEACHER_KEY`); else a key made
with `secrets` on first use and kept in the runs directory (`teacher.key`, file mode 0600) so the teacher's
link survives a restart. Keys are compared in constant time. The teacher's browser keeps `cookie_value()`, a
value derived from the key (never the key itself), so the dashboard opens without the key in its address.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "teacher.key"
_COOKIE_PURPOSE = b"cnnlab teacher cookie"
MAX_KEY_CHARS = 256  # longer candidates are refused before any comparison
TEACHER_PAGE = "Teacher"


class TeacherKey:
    """The class's teacher key, configured or kept in `runs_dir/teacher.key`."""

    def __init__(self, runs_dir: Path, configured: str | None = None) -> None:
        """`configured` (trimmed, if not empty) is the key; else the one kept under `runs_dir`."""
        self.path = runs_dir / KEY_FILE
        self.configured = (configured or "").strip() or None

    def value(self) -> str:
        """The key: the configured one, else the kept one, made on first use."""
        if self.configured:
            return self.configured
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            kept = self.path.read_text(encoding="utf-8").strip()
            if kept:
                return kept
            self.path.unlink(missing_ok=True)  # an empty file (a crash while writing it): make a fresh key
            return self.value()
        key = secrets.token_urlsafe(18)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key)
        return key

    def matches(self, candidate: object) -> bool:
        """True only for the exact key; compared with `hmac.compare_digest`, so timing tells nothing."""
        if not isinstance(candidate, str) or not candidate or len(candidate) > MAX_KEY_CHARS:
            return False
        return hmac.compare_digest(candidate.encode("utf-8"), self.value().encode("utf-8"))

    def cookie_value(self) -> str:
        """What the teacher's browser keeps in its cookie: HMAC-SHA256 of a fixed label under the key (64 hex
        digits), so a new key ends every old cookie and the cookie never reveals the key."""
        return hmac.new(self.value().encode("utf-8"), _COOKIE_PURPOSE, hashlib.sha256).hexdigest()

    def matches_cookie(self, candidate: object) -> bool:
        """True only for this key's `cookie_value`, compared in constant time."""
        if not isinstance(candidate, str) or len(candidate) != 64:
            return False
        return hmac.compare_digest(candidate.encode("utf-8"), self.cookie_value().encode("utf-8"))

    def link(self, host: str = "localhost", port: int = 8501) -> str:
        """The dashboard's address: "http://localhost:8501/Teacher?key=…"."""
        return f"http://{host}:{port}/{TEACHER_PAGE}?key={self.value()}"
