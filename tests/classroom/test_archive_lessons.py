"""A new class and removed students take their lessons with them (issue 21 beside issue 24's lessons).

A new class starts empty: the class's lesson, its reveals and every student's place and own lesson move into
the archive with the class list. Removing a student moves their own lesson and places with them, and leaves
everyone else's where they are.
"""

from __future__ import annotations

from cnnlab.classroom.archive import LiveClass, remove_students, start_new_class
from cnnlab.classroom.classroom import Classroom
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab


def _live(lab: Lab) -> LiveClass:
    return LiveClass(lab.settings.runs_dir, lab.store, lab.drafts, lab.classroom)


def _class_with_a_lesson(lab: Lab) -> tuple[str, str, str]:
    """Two students on a class lesson (step 2 was revealed), one of them also following a lesson alone."""
    ada, bob = new_owner_token(), new_owner_token()
    progress = lab.classroom.lesson_progress
    lesson = progress.start_class("first-steps", "title = 'First steps'")
    progress.reveal(lesson.lesson_id, 2)
    for owner in (ada, bob):
        lab.classroom.roster.join(owner)
        progress.enter(owner, lesson.track)
    own = progress.choose(ada, "pooling", "title = 'Pooling'")
    progress.enter(ada, own.track)
    return ada, bob, lesson.track


def test_a_new_class_archives_the_lesson_and_every_place(lab: Lab) -> None:
    ada, bob, track = _class_with_a_lesson(lab)
    archived = start_new_class(_live(lab))
    progress = lab.classroom.lesson_progress
    assert progress.class_lesson() is None and progress.places(track) == {}
    assert progress.own(ada) is None and progress.places("own:pooling") == {}
    kept = Classroom.at(archived.path).lesson_progress
    lesson = kept.class_lesson()
    assert lesson is not None and lesson.name == "first-steps" and lesson.track == track
    assert kept.revealed(lesson.lesson_id) == frozenset({2})
    assert set(kept.places(track)) == {ada, bob} and set(kept.places("own:pooling")) == {ada}
    assert kept.own(ada).name == "pooling"


def test_a_removed_student_takes_their_places_and_leaves_the_others(lab: Lab) -> None:
    ada, bob, track = _class_with_a_lesson(lab)
    archived = remove_students(_live(lab), [ada])
    progress = lab.classroom.lesson_progress
    assert progress.class_lesson().track == track  # the class's lesson goes on
    assert set(progress.places(track)) == {bob} and progress.own(ada) is None
    kept = Classroom.at(archived.path).lesson_progress
    assert set(kept.places(track)) == {ada} and kept.own(ada).name == "pooling"
    assert kept.class_lesson() is None  # the class's own lesson is not a student's to take
