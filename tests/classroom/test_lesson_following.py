"""Lessons in a class (`Lab.lessons`): a student's own lesson and the class's (which comes first), guesses
checked on the student's own stack with tries and the hint, stack and run steps that move on by themselves,
Reveal, the class's progress with stuck students first, a last step's challenge, and every place kept in the
classroom database across a restart."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cnnlab.classroom.lesson_library import LessonLibrary, Origin
from cnnlab.classroom.lessons import HINT_AFTER
from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import TrainConfig
from cnnlab.core.lesson import StepKind
from cnnlab.core.lesson_answers import Verdict
from cnnlab.core.presets import preset_spec
from cnnlab.core.stack_doc import set_setting, stack_from_spec
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab
from cnnlab.testing.classroom import conv_stack, finished_run

LESSON = """title = "Test lesson"
summary = "A guess, a stack step, a read step, a run step."
start = "convnet"

[[steps]]
kind = "guess"
text = "How many parameters does layer 1 have?"
quantity = "params"
layer = 1
hint = "16 × (3×3×1) + 16"

[[steps]]
kind = "stack"
text = "Give layer 1 32 filters."
expect = { layer = 1, type = "Conv2D", filters = 32 }

[[steps]]
kind = "read"
text = "Read this."

[[steps]]
kind = "run"
text = "Train a small network."
expect = { min_accuracy = 0.9, max_params = 20000 }
challenge = { title = "Small", max_params = 20000, epochs = 1 }
"""
CONVNET = stack_from_spec(preset_spec("convnet"))
QUICK = TrainConfig(epochs=1, train_size=2000)


@pytest.fixture
def lab(lab: Lab) -> Lab:
    """The test's Lab with the test lesson among the teacher's own lessons."""
    (lab.settings.runs_dir / "lessons").mkdir()
    (lab.settings.runs_dir / "lessons" / "test-lesson.toml").write_text(LESSON, encoding="utf-8")
    return lab


def _student(lab: Lab, name: str, stack: dict = CONVNET) -> str:
    owner = new_owner_token()
    lab.classroom.roster.set_name(owner, name)
    lab.drafts.save(owner, stack)
    return owner


def test_the_library_lists_shipped_and_teacher_lessons_and_keeps_broken_files_out(lab: Lab) -> None:
    (lab.settings.runs_dir / "lessons" / "broken.toml").write_text('title = "B"\n', encoding="utf-8")
    library = lab.lessons.library
    names = {file.name: file.origin for file in library.lessons()}
    assert names["test-lesson"] == Origin.teacher and names["convnet-parameters"] == Origin.shipped
    assert "broken" not in names and library.get("broken") is None
    assert [str(p) for p in next(f for f in library.files() if f.name == "broken").reading.problems] == [
        "line 1: missing steps: add [[steps]] tables, e.g.\n[[steps]]\nkind = \"read\"\ntext = \"…\""]
    assert library.get("Test_Lesson").name == "test-lesson"  # names are written as lesson_name writes them
    assert library.get("!!!") is None and library.get(None) is None
    (lab.settings.runs_dir / "lessons" / "My Own Lesson.toml").write_text(LESSON, encoding="utf-8")
    assert library.get("my-own-lesson").origin == Origin.teacher


def test_a_teachers_file_replaces_a_shipped_lesson_of_its_name(tmp_path: Path) -> None:
    shipped, teacher = tmp_path / "shipped", tmp_path / "teacher"
    shipped.mkdir()
    (shipped / "shapes.toml").write_text(LESSON.replace("Test lesson", "Shipped"), encoding="utf-8")
    library = LessonLibrary(shipped, teacher)
    assert library.get("shapes").lesson.title == "Shipped"
    saved, problems = library.save("Shapes.toml", LESSON.replace("Test lesson", "Mine").encode())
    assert problems == () and saved.name == "shapes"
    assert (library.get("shapes").lesson.title, library.get("shapes").origin) == ("Mine", Origin.teacher)


def test_an_upload_with_problems_is_refused_and_nothing_is_saved(tmp_path: Path) -> None:
    library = LessonLibrary(tmp_path / "shipped", tmp_path / "teacher")
    saved, problems = library.save("bad.toml", LESSON.replace('kind = "read"', 'kind = "reed"').encode())
    assert saved is None and [str(p) for p in problems] == [
        'line 18: step 3: unknown kind "reed"; did you mean "read"?']
    assert not (tmp_path / "teacher").exists()
    saved, problems = library.save("!!!.toml", LESSON.encode())
    assert saved is None and "makes no lesson name" in str(problems[0])


def test_a_student_follows_a_lesson_alone_guessing_with_tries_and_the_hint(lab: Lab) -> None:
    ada = _student(lab, "Ada")
    lessons = lab.lessons
    assert lessons.follow(ada) is None
    following = lessons.choose(ada, "test-lesson")
    assert (following.entered, following.number, following.total, following.progress) == (
        True, 1, 4, "step 1 of 4")
    analysis = analyze(lab.drafts.current(ada))
    unreadable = lessons.guess(ada, "many", analysis)
    assert (unreadable.verdict, unreadable.tries) == (Verdict.unreadable, 0)
    first = lessons.guess(ada, "150", analysis)
    assert (first.verdict, first.tries, first.hint) == (Verdict.wrong, 1, "")
    second = lessons.guess(ada, "1,500", analysis)
    assert (second.verdict, second.tries, second.hint) == (Verdict.wrong, HINT_AFTER, "16 × (3×3×1) + 16")
    right = lessons.guess(ada, " 160 ", analysis)
    assert right.verdict == Verdict.right and right.found.formula == "16 × (3×3×1) + 16 = 160"
    now = lessons.follow(ada)
    assert (now.number, now.step.kind, now.place.tries, now.entered) == (2, StepKind.stack, 0, False)


def test_the_answer_is_computed_from_the_students_own_stack(lab: Lab) -> None:
    ada = _student(lab, "Ada", set_setting(CONVNET, 1, "filters", 8))
    lab.lessons.choose(ada, "test-lesson")
    analysis = analyze(lab.drafts.current(ada))
    assert lab.lessons.guess(ada, "160", analysis).verdict == Verdict.wrong
    outcome = lab.lessons.guess(ada, "80", analysis)
    assert (outcome.verdict, outcome.found.formula) == (Verdict.right, "8 × (3×3×1) + 8 = 80")


def test_a_stack_step_moves_on_when_the_stack_meets_it_and_a_read_step_with_next(lab: Lab) -> None:
    ada = _student(lab, "Ada")
    lessons = lab.lessons
    lessons.choose(ada, "test-lesson")
    lessons.guess(ada, "160", analyze(CONVNET))
    assert lessons.update(ada).number == 2
    lab.drafts.save(ada, set_setting(CONVNET, 1, "filters", 32))
    assert lessons.update(ada).number == 3  # checked against the draft as it is now
    assert not lessons.next_step(ada, 2)  # a page drawn for an earlier step changes nothing
    assert lessons.next_step(ada, 3) and lessons.follow(ada).number == 4


def test_a_run_step_moves_on_with_a_run_that_finished_since_it_began_and_meets_its_goal(lab: Lab) -> None:
    manager, runner = lab.jobs, lab.jobs.runner
    ada = _student(lab, "Ada")
    lessons = lab.lessons
    lessons.choose(ada, "test-lesson")
    finished_run(manager, runner, ada, conv_stack(4), 0.95, QUICK)  # before the run step began
    lessons.guess(ada, "160", analyze(CONVNET))
    lab.drafts.save(ada, set_setting(CONVNET, 1, "filters", 32))
    lessons.update(ada)
    lessons.next_step(ada, 3)
    following = lessons.update(ada)
    assert following.number == 4 and lessons.latest_run_notes(ada, following) == ()
    finished_run(manager, runner, ada, conv_stack(16), 0.97, QUICK)  # 27,210 parameters: too many
    finished_run(manager, runner, ada, conv_stack(4), 0.85, QUICK)  # 6,810 parameters, but 85 %: too low
    following = lessons.update(ada)
    assert following.number == 4
    assert lessons.latest_run_notes(ada, following) == ("conv4: 85.00 % test accuracy",
                                                        "85.00 % test accuracy — below 90 %")
    finished_run(manager, runner, ada, conv_stack(5), 0.93, QUICK)
    assert lessons.update(ada).finished


def test_a_run_over_the_goals_parameters_does_not_count(lab: Lab) -> None:
    manager, runner = lab.jobs, lab.jobs.runner
    ada = _student(lab, "Ada")
    lab.lessons.choose(ada, "test-lesson")
    lab.lessons.progress.move(ada, "own:test-lesson", 0, 3)
    finished_run(manager, runner, ada, conv_stack(16), 0.99, QUICK)  # 27,210 parameters
    following = lab.lessons.update(ada)
    assert following.number == 4
    assert lab.lessons.latest_run_notes(ada, following)[1] == "27,210 parameters — more than 20,000"


def test_the_class_lesson_comes_first_and_its_places_survive_a_restart(lab: Lab) -> None:
    ada, bob = _student(lab, "Ada"), _student(lab, "Bob")
    lessons = lab.lessons
    lessons.choose(ada, "convnet-parameters")
    lessons.start_class(lessons.library.get("test-lesson"))
    following = lessons.follow(ada)
    assert following.in_class and following.lesson.title == "Test lesson" and following.entered
    lessons.guess(ada, "160", analyze(CONVNET))
    lab.drafts.save(ada, set_setting(CONVNET, 1, "filters", 32))
    lessons.update(ada)
    for guess in ("1", "2"):
        lessons.guess(bob, guess, analyze(CONVNET))
    restarted = Lab(lab.settings)
    try:
        progress = restarted.lessons.class_progress()
        assert {student.name: student.number for student in progress.students} == {"Ada": 3, "Bob": 1}
        bob_place = restarted.lessons.follow(bob)
        assert (bob_place.number, bob_place.place.tries) == (1, 2)
        assert restarted.lessons.end_class().title == "Test lesson"
        own = restarted.lessons.follow(ada)
        assert (own.in_class, own.number) == (False, 1)
        assert own.lesson.title == "Counting a convolution's parameters"
    finally:
        restarted.close()


def test_reveal_shows_a_guess_steps_answer_and_lets_the_student_go_on(lab: Lab) -> None:
    bob = _student(lab, "Bob")
    lessons = lab.lessons
    lessons.start_class(lessons.library.get("test-lesson"))
    assert not lessons.follow(bob).answer_open and not lessons.next_step(bob, 1)
    assert not lessons.reveal(2) and not lessons.reveal(9)  # a stack step; no such step
    assert lessons.reveal(1)
    following = lessons.follow(bob)
    assert following.revealed and following.answer_open
    assert lessons.class_progress().revealed == frozenset({0})
    assert lessons.next_step(bob, 1) and lessons.follow(bob).number == 2


def test_a_student_alone_may_ask_for_the_answer_after_two_tries_but_not_in_class(lab: Lab) -> None:
    ada = _student(lab, "Ada")
    lessons = lab.lessons
    lessons.choose(ada, "test-lesson")
    assert not lessons.show_answer(ada, 1)
    for guess in ("1", "2"):
        lessons.guess(ada, guess, analyze(CONVNET))
    assert lessons.show_answer(ada, 1) and lessons.follow(ada).answer_open
    lessons.start_class(lessons.library.get("test-lesson"))
    for guess in ("1", "2"):
        lessons.guess(ada, guess, analyze(CONVNET))
    assert not lessons.show_answer(ada, 1)


def test_class_progress_puts_the_students_stuck_longest_first(lab: Lab) -> None:
    ada, bob, cy = (_student(lab, name) for name in ("Ada", "Bob", "Cy"))
    lessons = lab.lessons
    running = lessons.start_class(lessons.library.get("test-lesson"))
    lessons.follow(bob)
    time.sleep(0.05)
    lessons.follow(ada)
    lessons.guess(ada, "160", analyze(CONVNET))  # Ada just moved on; Cy never opened a page
    rows = lessons.class_progress().students
    assert [(row.name, row.number, row.kind) for row in rows] == [
        ("Cy", 1, StepKind.guess), ("Bob", 1, StepKind.guess), ("Ada", 2, StepKind.stack)]
    assert rows[0].seconds >= rows[1].seconds >= rows[2].seconds
    assert lessons.class_progress().running == running
    lessons.follow(cy)
    lessons.progress.move(cy, running.track, 0, 4)
    assert lessons.class_progress().students[-1].finished and lessons.class_progress().on_step(5) == ("Cy",)


def test_reaching_a_class_lessons_last_step_starts_its_challenge_once(lab: Lab) -> None:
    ada, bob = _student(lab, "Ada"), _student(lab, "Bob")
    lessons = lab.lessons
    running = lessons.start_class(lessons.library.get("test-lesson"))
    lessons.follow(ada)
    assert lab.classroom.challenges.active() is None
    lessons.progress.move(ada, running.track, 0, 2)
    lessons.next_step(ada, 3)
    challenge = lab.classroom.challenges.active()
    assert (challenge.challenge.title, challenge.challenge.max_params) == ("Small", 20_000)
    lab.classroom.challenges.end()
    lessons.follow(bob)
    lessons.progress.move(bob, running.track, 0, 2)
    lessons.next_step(bob, 3)
    assert lab.classroom.challenges.active() is None  # the teacher ended it: it does not start again


def test_a_lesson_followed_alone_never_starts_the_class_challenge(lab: Lab) -> None:
    ada = _student(lab, "Ada")
    lab.lessons.choose(ada, "test-lesson")
    lab.lessons.progress.move(ada, "own:test-lesson", 0, 2)
    lab.lessons.next_step(ada, 3)
    assert lab.lessons.follow(ada).number == 4 and lab.classroom.challenges.active() is None


def test_restart_and_leave_a_lesson_followed_alone(lab: Lab) -> None:
    ada = _student(lab, "Ada")
    lessons = lab.lessons
    lessons.choose(ada, "test-lesson")
    lessons.guess(ada, "160", analyze(CONVNET))
    lessons.leave(ada)
    assert lessons.follow(ada) is None
    resumed = lessons.choose(ada, "test-lesson")
    assert (resumed.number, resumed.entered) == (2, False)
    assert lessons.restart(ada) and lessons.follow(ada).number == 1
    assert lessons.choose(ada, "no-such-lesson") is None
