"""What a student reads when a spec is wrong: problems at their layer, and any value shown safely."""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec; `str()` gives the message a student sees.

    Layer problems carry the 1-based `position` and the type as written: "layer 3 (Conv2D): kernel …".
    Spec-level problems have no position and their message starts with the field: "input_shape: …".
    """

    position: int | None
    layer_type: str | None
    message: str

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        if self.layer_type:
            return f"layer {self.position} ({self.layer_type}): {self.message}"
        return f"layer {self.position}: {self.message}"


class SpecError(ValueError):
    """A whole document cannot be read as a spec: not JSON, too big, too deeply nested, not base64."""


def show_value(value: object, depth: int = 0) -> str:
    """A short, safe rendering of any user value for messages: "sixteen", 3.5, true, [[1, 2], 3], a list of 9
    items (never recursing more than two levels, so a hostile value cannot make it slow or deep)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) < 10**30 else "a huge number"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 30 else value[:30] + "…", ensure_ascii=False)
    if isinstance(value, list | tuple):
        if len(value) <= 4 and depth < 2:
            return "[" + ", ".join(show_value(x, depth + 1) for x in value) + "]"
        return f"a list of {len(value)} items"
    if isinstance(value, Mapping):
        return f"an object with {len(value)} key{'' if len(value) == 1 else 's'}"
    return f"a {type(value).__name__}"


def closest(word: str, choices: list[str]) -> str | None:
    """The choice closest to `word` (case-insensitive) for "did you mean …?" hints; None if none is close."""
    by_lower = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None


def did_you_mean(word: str, choices: list[str]) -> str:
    """The hint after an unknown name: '; did you mean "relu"?', or "" when no choice is close."""
    guess = closest(word, choices)
    return f"; did you mean {json.dumps(guess)}?" if guess else ""


def whole_number(value: object) -> int | None:
    """`value` as an int when it is a whole number, else None.

    >>> [whole_number(value) for value in (3, 3.0, True, 3.5, "3", float("nan"))]
    [3, 3, None, None, None, None]
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def finite_number(value: object) -> float | None:
    """A metric as a float, or None when missing or not finite (SQLite and JSON have no NaN or infinity)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None



def error_summary(error: BaseException, limit: int = 200) -> str:
    """One line about an exception for a student's message: its first line (cut), else its type's name.

    >>> error_summary(ValueError("shapes do not match\\n  (a long traceback-like detail)"))
    'shapes do not match'
    >>> error_summary(KeyError())
    'KeyError'
    """
    text = str(error).strip()
    return text.splitlines()[0][:limit] if text else type(error).__name__
