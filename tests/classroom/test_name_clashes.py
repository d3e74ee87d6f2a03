"""Issue 21, case 8: look-alike and blank names. "Аda" and "Tеacher" (Cyrillic letters) were accepted beside
"Ada" and "Teacher", "ㅤ" (U+3164) and "⠀⠀" (U+2800) showed as blank names, and a student could call themselves
"Student 44". Names now clash under the UTS #39 confusable skeleton and case, need a visible letter or digit,
and "Student N" is kept for the unnamed."""

from __future__ import annotations

import pytest

from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.names import (
    check_name,
    has_visible_character,
    is_reserved,
    name_key,
    skeleton,
    unique_name,
)
from cnnlab.engine.owners import new_owner_token

CYRILLIC_ADA = "\u0410da"  # А (U+0410) d a
CYRILLIC_TEACHER = "T\u0435acher"  # е (U+0435)
BLANK = ("Your name has no visible letter or digit, so the class could not tell it apart (symbols, emoji "
         "and blank-looking characters such as ㅤ are not enough); add at least one letter or digit")
RESERVED = ("Names like Student 44 are kept for students who have not chosen a name; choose a name of your "
            "own, such as your first name")


@pytest.mark.parametrize(("one", "other"), [
    (CYRILLIC_ADA, "Ada"), (CYRILLIC_TEACHER, "Teacher"), ("ADA", "  ada "), ("AI", "Al"), ("Tom", "Torn"),
    ("\uff21\uff44\uff41", "Ada"),  # fullwidth
    ("Student 10", "Student lO"),
])
def test_names_that_look_the_same_have_the_same_key(one: str, other: str) -> None:
    assert name_key(one) == name_key(other)


@pytest.mark.parametrize(("one", "other"),
                         [("Ada", "Eda"), ("Chloé", "Chloe"), ("Bob", "Rob"), ("Ana", "Anna")])
def test_names_that_look_different_have_different_keys(one: str, other: str) -> None:
    assert name_key(one) != name_key(other)


def test_the_skeleton_follows_the_unicode_confusables_data() -> None:
    assert skeleton(CYRILLIC_ADA) == skeleton("Ada") == "Ada"
    assert skeleton("0") == skeleton("O")
    assert skeleton("m") == "rn"  # a prototype of two characters


@pytest.mark.parametrize("name", ["\u3164", "\u2800\u2800", "\u115f", "\uffa0", "🦊", "!!", "\u3164 \u3164"])
def test_a_name_with_nothing_visible_is_refused_saying_why(name: str) -> None:
    assert not has_visible_character(name)
    assert check_name(name) == (None, BLANK)


def test_a_blank_looking_character_beside_a_letter_is_a_name() -> None:
    assert check_name("Zoë 🦊") == ("Zoë 🦊", None)
    assert check_name("\u3164A") == ("\u3164A", None)


@pytest.mark.parametrize("name",
                         ["Student 44", "student44", "STUDENT 7", "\u0405tudent 4O", "Student \uff14\uff14"])
def test_student_n_is_kept_for_the_unnamed(name: str) -> None:
    assert is_reserved(name)
    assert check_name(name) == (None, RESERVED)


@pytest.mark.parametrize("name", ["Students", "Student", "Student Ada", "Student 4 2", "Stu 44"])
def test_names_near_student_n_are_names(name: str) -> None:
    assert not is_reserved(name)


def test_a_clash_gets_the_smallest_free_suffix_within_24_characters() -> None:
    assert unique_name("Ada", set()) == "Ada"
    assert unique_name("Ada", {"ada"}) == "Ada 2"
    assert unique_name(CYRILLIC_ADA, {"ada", "ada 2"}) == CYRILLIC_ADA + " 3"
    assert unique_name("x" * 24, {"x" * 24}) == "x" * 22 + " 2"
    assert name_key("  Ada   LOVELACE") == "ada lovelace"


def test_the_roster_keeps_look_alikes_apart_and_says_why(classroom: Classroom) -> None:
    roster = classroom.roster
    ada, impostor, teacher, other = (new_owner_token() for _ in range(4))
    roster.set_name(ada, "Ada")
    roster.set_name(teacher, "Teacher")
    naming = roster.set_name(impostor, CYRILLIC_ADA)
    assert (naming.ok, naming.name) == (True, CYRILLIC_ADA + " 2")
    assert naming.message == (f"{CYRILLIC_ADA} looks just like Ada, another student's name, so you are "
                              f"{CYRILLIC_ADA} 2; choose a name that looks different to change it.")
    assert roster.set_name(other, CYRILLIC_TEACHER).name == CYRILLIC_TEACHER + " 2"
    assert len({name_key(name) for name in roster.names().values()}) == 4  # four rows, four different looks


@pytest.mark.parametrize(("bad", "message"),
                         [("\u3164", BLANK), ("\u2800\u2800", BLANK), ("Student 44", RESERVED)])
def test_the_roster_refuses_blank_and_reserved_names_and_keeps_the_old_one(classroom: Classroom, bad: str,
                                                                            message: str) -> None:
    owner = new_owner_token()
    classroom.roster.set_name(owner, "Ada")
    naming = classroom.roster.set_name(owner, bad)
    assert (naming.ok, naming.name, naming.message) == (False, None, message)
    assert classroom.roster.get(owner).name == "Ada"
