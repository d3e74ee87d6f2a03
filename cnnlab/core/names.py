"""Students' display names: what a name may be and the name of the unnamed (when two names clash:
`cnnlab.classroom.names`).

A name is what the class and the projector see, never the student's `?u=` token. Plain Python only.
"""

from __future__ import annotations

MAX_NAME_CHARS = 24
_PROBLEM_PREFIX = "Your name"


def default_name(number: int) -> str:
    """The name of a student who never chose one: default_name(3) == "Student 3"."""
    return f"Student {number}"


def clean_name(raw: object) -> tuple[str | None, str | None]:
    """`raw` trimmed and checked: (name, None) or (None, a message saying what a name may be).

    1–24 printable characters (letters, digits, punctuation, emoji; no control, format or joiner
    characters), inner runs of spaces kept as typed. Markup is allowed and always shown literally.
    Example: clean_name("  Ada ") == ("Ada", None).
    """
    if not isinstance(raw, str):
        return None, f"{_PROBLEM_PREFIX} must be text"
    if len(raw) > 10 * MAX_NAME_CHARS:
        return None, f"{_PROBLEM_PREFIX} is {len(raw):,} characters long; the limit is {MAX_NAME_CHARS}"
    name = raw.strip()
    if not name:
        return None, f"{_PROBLEM_PREFIX} is empty; type 1 to {MAX_NAME_CHARS} characters"
    if not name.isprintable():
        return None, (
            f"{_PROBLEM_PREFIX} contains invisible or control characters; use letters, digits, "
            "punctuation or emoji"
        )
    if len(name) > MAX_NAME_CHARS:
        return None, f"{_PROBLEM_PREFIX} is {len(name)} characters long; the limit is {MAX_NAME_CHARS}"
    return name, None
