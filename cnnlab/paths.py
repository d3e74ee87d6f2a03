"""Where CNN Lab keeps its files, and how it writes them without ever leaving a half-written one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RUNS_DIR_ENV = "CNNLAB_RUNS_DIR"


def runs_root() -> Path:
    """The directory holding every run and draft: `$CNNLAB_RUNS_DIR`, else `runs/` beside the project.

    Read on every call so tests (and a teacher) can point it elsewhere without restarting imports.
    """
    configured = os.environ.get(RUNS_DIR_ENV, "").strip()
    root = Path(configured).expanduser() if configured else PROJECT_ROOT / "runs"
    root.mkdir(parents=True, exist_ok=True)
    return root.resolve()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a torn mix.

    Writes a temporary file in the same directory, flushes it to disk, then renames it over `path`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 `text` atomically (see `atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"))
