"""Text for people: user text shown literally, and durations."""

from __future__ import annotations

import pytest

from cnnlab.core.text import duration, plain


@pytest.mark.parametrize(("seconds", "words"), [
    (4.6, "5 s"), (59.4, "59 s"), (80, "1 min 20 s"), (600, "10 min"), (3725, "1 h 2 min"),
    (122_400, "34 h"), (0, "0 s"),
])
def test_duration(seconds: float, words: str) -> None:
    assert duration(seconds) == words


def test_plain_escapes_markdown() -> None:
    assert plain("[a](b)") == "\\[a\\]\\(b\\)"
