"""The teacher key: the secret in the dashboard's address (`/Teacher?key=…`).

`CNNLAB_TEACHER_KEY` when set; else a key made with `secrets` on first use and kept in the runs directory
(`teacher.key`, file mode 0600) so the teacher's link survives a restart. Keys are compared in constant time.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from cnnlab.engine.paths import runs_root

TEACHER_KEY_ENV = "CNNLAB_TEACHER_KEY"
KEY_FILE = "teacher.key"
MAX_KEY_CHARS = 256  # longer candidates are refused before any comparison
TEACHER_PAGE = "Teacher"


def _key_file(root: Path) -> Path:
    return root / KEY_FILE


def teacher_key(root: Path | None = None) -> str:
    """The key: `$CNNLAB_TEACHER_KEY` (trimmed, if not empty), else the kept one, made on first use."""
    configured = os.environ.get(TEACHER_KEY_ENV, "").strip()
    if configured:
        return configured
    path = _key_file(root or runs_root())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        kept = path.read_text(encoding="utf-8").strip()
        if kept:
            return kept
        path.unlink(missing_ok=True)  # an empty file (a crash while writing it): make a fresh key
        return teacher_key(root)
    key = secrets.token_urlsafe(18)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def is_teacher_key(candidate: object, root: Path | None = None) -> bool:
    """True only for the exact teacher key; compared with `hmac.compare_digest`, so timing tells nothing."""
    if not isinstance(candidate, str) or not candidate or len(candidate) > MAX_KEY_CHARS:
        return False
    return hmac.compare_digest(candidate.encode("utf-8"), teacher_key(root).encode("utf-8"))


def teacher_link(host: str = "localhost", port: int = 8501, root: Path | None = None) -> str:
    """The dashboard's address: "http://localhost:8501/Teacher?key=…"."""
    return f"http://{host}:{port}/{TEACHER_PAGE}?key={teacher_key(root)}"
