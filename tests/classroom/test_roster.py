"""The class list: numbers in order of arrival, checked unique names, refusals that change nothing."""

from __future__ import annotations

import pytest

from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.roster import Roster
from cnnlab.engine.owners import new_owner_token


@pytest.fixture
def roster(classroom: Classroom) -> Roster:
    """The class list of this test's Lab."""
    return classroom.roster


def test_students_are_numbered_in_order_of_arrival_and_named_student_n(roster: Roster) -> None:
    first, second = new_owner_token(), new_owner_token()
    assert roster.join(first).name == "Student 1"
    assert roster.join(second).name == "Student 2"
    assert roster.join(first).number == 1  # joining again changes nothing
    assert roster.names() == {first: "Student 1", second: "Student 2"}


def test_a_chosen_name_is_kept_across_a_restart(roster: Roster, settings) -> None:
    owner = new_owner_token()
    naming = roster.set_name(owner, "  Ada ")
    assert (naming.ok, naming.name, naming.message) == (True, "Ada", "You are Ada.")
    assert Classroom.at(settings.runs_dir).roster.get(owner).name == "Ada"  # anew over the same database


def test_a_clash_gets_a_suffix_and_says_so(roster: Roster) -> None:
    ada, other = new_owner_token(), new_owner_token()
    roster.set_name(ada, "Ada")
    naming = roster.set_name(other, "ada")
    assert (naming.name, naming.message) == ("ada 2", "Another student is already called ada; you are ada 2.")
    assert roster.set_name(ada, "Ada").name == "Ada"  # one's own name is no clash


def test_a_name_cannot_take_another_students_number(roster: Roster) -> None:
    first, second = new_owner_token(), new_owner_token()
    roster.join(first)
    naming = roster.set_name(second, "Student 1")
    assert (naming.ok, naming.name) == (False, None)
    assert "kept for students who have not chosen" in naming.message


@pytest.mark.parametrize("bad", ["", "x" * 10_000, "bell\x07", "\u202eevil"])
def test_a_refused_name_changes_nothing(roster: Roster, bad: str) -> None:
    owner = new_owner_token()
    roster.set_name(owner, "Ada")
    naming = roster.set_name(owner, bad)
    assert not naming.ok and naming.name is None and naming.message.startswith("Your name ")
    assert roster.get(owner).name == "Ada"


def test_a_student_is_an_owner_token(roster: Roster) -> None:
    with pytest.raises(ValueError, match="owner token"):
        roster.join("../../etc")
    assert roster.get("../../etc") is None
