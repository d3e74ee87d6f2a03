"""Students' names: what is accepted and the message for what is not (clashes and look-alikes:
tests/classroom/test_name_clashes.py)."""

from __future__ import annotations

import pytest

from cnnlab.core.names import clean_name, default_name


def test_a_name_is_trimmed_and_kept_as_typed() -> None:
    assert clean_name("  Ada Lovelace ") == ("Ada Lovelace", None)
    assert clean_name("**<b>x</b>**") == ("**<b>x</b>**", None)  # shown literally by the pages
    assert clean_name("Zoë 🦊") == ("Zoë 🦊", None)
    assert clean_name("x" * 24) == ("x" * 24, None)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Your name is empty; type 1 to 24 characters"),
        ("   \t ", "Your name is empty; type 1 to 24 characters"),
        ("x" * 25, "Your name is 25 characters long; the limit is 24"),
        ("x" * 10_000, "Your name is 10,000 characters long; the limit is 24"),
        (
            "Ada\x07",
            "Your name contains invisible or control characters; use letters, digits, punctuation or emoji",
        ),
        (
            "Ada\nBob",
            "Your name contains invisible or control characters; use letters, digits, punctuation or emoji",
        ),
        (
            "\u202eAda",
            "Your name contains invisible or control characters; use letters, digits, punctuation or emoji",
        ),
        (
            "👨\u200d👩",
            "Your name contains invisible or control characters; use letters, digits, punctuation or emoji",
        ),
        (None, "Your name must be text"),
        (42, "Your name must be text"),
    ],
)
def test_a_bad_name_gets_a_message(raw: object, message: str) -> None:
    assert clean_name(raw) == (None, message)


def test_an_unnamed_student_is_student_n() -> None:
    assert default_name(3) == "Student 3"
