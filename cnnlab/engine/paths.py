"""Where CNN Lab keeps its files, and how it writes them without ever leaving a half-written one."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")
_UNSAFE_NAME_CHARS = re.compile(r"[^\w.-]+")  # keeps any script's letters and digits: "Chloé", "Łukasz"


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


def read_json(path: Path, max_bytes: int | None = None) -> object:
    """The JSON document in `path`, or None when it is missing, bigger than `max_bytes`, or not valid JSON.

    Never raises for a bad file (unreadable, not UTF-8, corrupt, nested too deep): callers go on without it.
    """
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # ValueError covers JSONDecodeError and UnicodeDecodeError
        return None


def file_stem(name: str, fallback: str, accents: bool = False) -> str:
    """A safe file-name stem from user text: letters, digits, '.', '_' and '-' only, at most 60 characters;
    ASCII letters only unless `accents` (a person's name in a zip keeps them: "Chloé", not "Chlo").

    Example: file_stem("My net #2", "stack") == "My_net_2"; file_stem("../..", "stack") == "stack";
    file_stem("Chloé", "student", accents=True) == "Chloé".
    """
    unsafe = _UNSAFE_NAME_CHARS if accents else _UNSAFE_FILE_CHARS
    cleaned = unsafe.sub("_", name).strip("._-")[:60]
    return cleaned or fallback
