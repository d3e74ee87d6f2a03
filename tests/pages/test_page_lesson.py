"""/Lesson, the lesson banners on Build and Train, what Build hides while a guess is open, the teacher's
lesson section and the projector's lesson progress, in AppTest."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.classroom.lesson_library import SHIPPED_LESSONS
from cnnlab.core.challenge import parse_challenge
from cnnlab.core.presets import preset_spec
from cnnlab.core.stack_doc import set_setting, stack_from_spec
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab, Settings
from cnnlab.testing.apptest import BUILD, TRAIN, messages, metric, open_page, shown, table_rows
from cnnlab.testing.classroom import conv_stack, finished_run

LESSON = "pages/8_Lesson.py"
TEACHER = "pages/6_Teacher.py"
LEADERBOARD = "pages/7_Leaderboard.py"
KEY = "teacher-key-for-lesson-tests"
CONVNET = stack_from_spec(preset_spec("convnet"))
TWO_STEPS = """title = "Guess then change"
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
kind = "guess"
text = "What shape comes out of layer 2?"
quantity = "output_shape"
layer = 2
[[steps]]
kind = "run"
text = "Train it."
expect = { min_accuracy = 0.9 }
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server was started with the teacher key `KEY`."""
    return dataclasses.replace(settings, teacher_key=KEY)


@pytest.fixture
def lab(lab: Lab) -> Lab:
    """The Lab with `TWO_STEPS` among the teacher's lessons (as `guess-then-change`)."""
    folder = lab.settings.runs_dir / "lessons"
    folder.mkdir()
    (folder / "guess-then-change.toml").write_text(TWO_STEPS, encoding="utf-8")
    return lab


def _texts(at: AppTest) -> str:
    return "\n".join(shown(element.value) for kind in ("markdown", "caption", "success", "info", "warning")
                     for element in getattr(at, kind))


def _guess(at: AppTest, text: str, where: str = "lesson") -> AppTest:
    at.text_input(key=f"{where}_guess").set_value(text)
    return at.button(key=f"{where}_check").click().run()


def _start(owner: str, name: str = "guess-then-change") -> AppTest:
    at = open_page(LESSON, u=owner)
    return at.button(key=f"lesson_start_{name}").click().run()


def test_the_lesson_list_offers_every_lesson_and_the_navigation_lists_the_page() -> None:
    at = open_page(LESSON)
    assert not at.exception
    assert "Choose a lesson below" in messages(at, "info")[0]
    starts = sorted(button.key for button in at.button if button.key.startswith("lesson_start_"))
    assert starts == sorted(f"lesson_start_{path.stem}" for path in [*SHIPPED_LESSONS.glob("*.toml"),
                                                                      Path("guess-then-change.toml")])
    assert "Lesson" in [link.label for link in at.sidebar.get("page_link")]


def test_a_guess_wrong_twice_says_not_yet_then_the_hint_and_right_shows_the_formula_and_the_next_step(
        lab: Lab) -> None:
    owner = new_owner_token()
    at = _start(owner)
    assert not at.exception
    assert lab.drafts.current(owner) == CONVNET  # the lesson's start preset, opened for the student
    assert at.text_input(key="lesson_guess").label == "Your guess"
    assert at.button(key="lesson_check").label == "Check"
    assert "**Guess** · step 1 of 4" in [m.value for m in at.markdown]
    assert at.get("progress")[0].proto.value == 0
    at = _guess(at, "150")
    assert messages(at, "warning") == ["**150** is not yet right for the parameters of layer 1 (Conv2D) — "
                                       "try again."]
    assert not [m for m in messages(at, "info") if m.startswith("Hint")]
    at = _guess(at, "a few")
    assert messages(at, "info")[-1].startswith("Type a number such as 4640")
    at = _guess(at, "1 600")
    assert "is not yet right" in messages(at, "warning")[0]
    assert "Hint: 16 × (3×3×1) + 16" in messages(at, "info")
    assert at.button(key="lesson_show").label == "Show me the answer"  # alone, after two tries
    at = _guess(at, "160")
    assert messages(at, "success") == ["Right! The parameters of layer 1 (Conv2D): 16 × (3×3×1) + 16 = 160"]
    assert "**Change your stack** · step 2 of 4" in [m.value for m in at.markdown]
    assert "Still to do: layer 1 has filters 16; make it 32." in _texts(at)
    assert at.get("progress")[0].proto.value == 25


def test_the_hint_stays_after_a_reload(lab: Lab) -> None:
    owner = new_owner_token()
    at = _start(owner)
    for guess in ("1", "2"):
        at = _guess(at, guess)
    again = open_page(LESSON, u=owner)
    assert "Hint: 16 × (3×3×1) + 16" in messages(again, "info")


def test_build_hides_the_guessed_layers_answer_until_it_is_answered_in_the_banner(lab: Lab) -> None:
    owner = new_owner_token()
    _start(owner)
    at = open_page(BUILD, u=owner)
    assert not at.exception
    row = table_rows(at)[1]
    assert (row[3], row[6], row[7]) == ("26×26×16", "guess it first", "guess it first")
    assert table_rows(at)[3][6] == "4,640"  # other layers keep their numbers
    assert metric(at, "Parameters") == "?" and metric(at, "Weight memory") == "?"
    assert not at.get("plotly_chart")
    assert "The picture of your stack comes back once you have answered" in _texts(at)
    assert "build_explain_pos" not in [box.key for box in at.selectbox]  # nor "How this layer works"
    assert "It comes back once you have answered the lesson's question" in _texts(at)
    assert any("Guess then change" in m.value and "step 1 of 4" in m.value for m in at.markdown)
    at = _guess(at, "160", "build_lesson")
    assert not at.exception
    assert messages(at, "success")[0] == "Right! The parameters of layer 1 (Conv2D): 16 × (3×3×1) + 16 = 160"
    assert table_rows(at)[1][6] == "160" and metric(at, "Parameters") == "60,874"
    assert at.get("plotly_chart")
    assert "build_explain_pos" in [box.key for box in at.selectbox]


def test_a_stack_step_done_on_build_moves_the_banner_on_and_the_next_guess_hides_its_shape(lab: Lab) -> None:
    owner = new_owner_token()
    at = _start(owner)
    _guess(at, "160")
    at = open_page(BUILD, u=owner)
    assert any("step 2 of 4" in m.value for m in at.markdown)
    at.number_input(key="build_edit_filters_0").set_value(32).run()
    assert not at.exception
    banner = next(m.value for m in at.markdown if "Guess then change" in m.value)
    assert "step 3 of 4" in banner and "What shape comes out of layer 2?" in banner
    rows = table_rows(at)
    assert (rows[2][3], rows[2][4]) == ("guess it first", "guess it first")  # layer 2's shape
    assert (rows[3][4], rows[3][7]) == ("guess it first", "guess it first")  # layer 3 spells it out
    at = _guess(at, "(None, 13, 13, 32)", "build_lesson")
    assert messages(at, "success")[0] == ("Right! The output shape of layer 2 (MaxPooling2D): "
                                          "⌊(26 − 2) / 2⌋ + 1 = 13 → 13×13×32")
    assert table_rows(at)[2][3] == "13×13×32"


def test_the_train_banner_shows_a_run_step_and_moves_on_when_a_run_finishes(lab: Lab, scripted) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    _start(owner)
    lab.lessons.progress.move(owner, "own:guess-then-change", 0, 3)
    at = open_page(TRAIN, u=owner)
    assert "Done with a run that finishes from now on with at least 90 % test accuracy." in _texts(at)
    finished_run(manager, runner, owner, conv_stack(4), 0.85)
    at = open_page(TRAIN, u=owner)
    assert "Your latest run: conv4: 85.00 % test accuracy; 85.00 % test accuracy — below 90 %." in _texts(at)
    finished_run(manager, runner, owner, conv_stack(5), 0.95)
    at = open_page(TRAIN, u=owner)
    assert any("finished (4 steps) — well done!" in m.value for m in at.markdown)


def test_a_guess_typed_as_markup_is_shown_literally(lab: Lab) -> None:
    owner = new_owner_token()
    at = _guess(_start(owner), "[x](http://e.invalid) <b>")
    assert not at.exception
    assert messages(at, "info")[-1].startswith("Type a number")
    at = _guess(at, "<b>7</b>")
    assert messages(at, "warning") == ["**<b>7</b>** is not yet right for the parameters of layer 1 "
                                       "(Conv2D) — try again."]


def _teacher() -> AppTest:
    at = open_page(TEACHER, key=KEY)
    assert not at.exception
    return at


def test_the_teacher_starts_a_lesson_sees_who_is_stuck_reveals_and_ends_it(lab: Lab) -> None:
    ada, bob = new_owner_token(), new_owner_token()
    for owner, name in ((ada, "Ada"), (bob, "Bob")):
        lab.classroom.roster.set_name(owner, name)
    teacher = _teacher()
    teacher.selectbox(key="teacher_lesson_choice").set_value("guess-then-change")
    teacher = teacher.button(key="teacher_lesson_start").click().run()
    assert messages(teacher, "success")[0].startswith("Started Guess then change for the class")
    bob_page = open_page(LESSON, u=bob)  # Bob is on step 1 from now on
    student = open_page(LESSON, u=ada)
    assert any("Your teacher started this lesson for the whole class" in m for m in messages(student, "info"))
    assert lab.drafts.current(ada) == CONVNET
    _guess(student, "160")
    lab.drafts.save(ada, set_setting(CONVNET, 1, "filters", 32))
    open_page(BUILD, u=ada)
    for guess in ("1", "2"):
        bob_page = _guess(bob_page, guess)
    teacher = _teacher()
    table = next(frame.value for frame in teacher.table if "Wrong guesses" in frame.value.columns)
    assert list(table["Student"]) == ["Bob", "Ada"]  # Bob has been on his step longest
    assert list(table["Step"]) == ["step 1 of 4 · guess", "step 3 of 4 · guess"]
    assert list(table["Wrong guesses"]) == ["2", "0"]
    assert teacher.selectbox(key="teacher_lesson_reveal_step").value == 1  # where most students are
    teacher = teacher.button(key="teacher_lesson_reveal").click().run()
    assert "Revealed the answer of step 1 to every student on it." in messages(teacher, "success")
    bob_page = open_page(LESSON, u=bob)
    assert "Your teacher revealed the answer: **160** — 16 × (3×3×1) + 16 = 160" in messages(bob_page, "info")
    bob_page = bob_page.button(key="lesson_next").click().run()
    assert "**Change your stack** · step 2 of 4" in [m.value for m in bob_page.markdown]
    teacher = _teacher().button(key="teacher_lesson_end").click().run()
    assert "Ended Guess then change." in messages(teacher, "success")
    assert lab.lessons.progress.class_lesson() is None


def test_the_dashboard_offers_shipped_and_teacher_lessons_and_a_file_to_add(lab: Lab) -> None:
    teacher = _teacher()
    options = teacher.selectbox(key="teacher_lesson_choice").options
    assert "Guess then change" in options and "Counting a convolution's parameters" in options
    assert teacher.get("file_uploader")[0].proto.label == "Lesson file"


def test_the_leaderboard_shows_the_lessons_progress_while_no_challenge_runs(lab: Lab) -> None:
    ada = new_owner_token()
    lab.classroom.roster.set_name(ada, "**Ada**")
    lab.lessons.start_class(lab.lessons.library.get("guess-then-change"))
    at = open_page(LEADERBOARD)
    assert not at.exception
    assert [shown(h.value) for h in at.header] == ["Lesson: Guess then change"]
    table = next(shown(m.value) for m in at.markdown if m.value.startswith("| Step |"))
    assert "| 1 | Guess: How many parameters does layer 1 have? | **Ada** |" in table
    challenge, _ = parse_challenge({"title": "Small", "max_params": 10_000})
    lab.classroom.challenges.start(challenge)
    at = open_page(LEADERBOARD)
    assert [shown(h.value) for h in at.header] == ["Small"]


def test_while_a_question_is_about_the_total_build_shows_no_total_anywhere(lab: Lab) -> None:
    challenge, _ = parse_challenge({"title": "Small", "max_params": 10_000})
    lab.classroom.challenges.start(challenge)
    owner = new_owner_token()
    _start(owner, "convnet-parameters")
    lab.lessons.progress.move(owner, "own:convnet-parameters", 0, 5)  # "how many in the whole network?"
    at = open_page(BUILD, u=owner)
    assert not at.exception
    everything = _texts(at) + " ".join(messages(at, "error"))
    assert "60,874" not in everything
    assert metric(at, "Parameters") == "?" and metric(at, "Weight memory") == "?"
    params = [row[6] for row in table_rows(at)[1:]]
    assert params == ["160", "0", "4,640", "0", "18,496", "0", "36,928", "650"]
    at = _guess(at, "60 874", "build_lesson")
    assert messages(at, "success")[0] == ("Right! The parameters of the whole stack: 160 + 0 + 4,640 + 0 + "
                                          "18,496 + 0 + 36,928 + 650 = 60,874")
    assert "60,874 parameters — over the limit of 10,000 by 50,874" in messages(at, "error")
