"""The class's lesson as the teacher and the projector see it: on the dashboard, start a lesson for the class
or end it, add a lesson file, see every student's step and how long they have been on it (stuck students
first, redrawn every few seconds) and Reveal a guess step's answer; on the leaderboard, the class's progress
through the lesson while no challenge runs. Names only, never tokens.
"""

from __future__ import annotations

import re
import time

import streamlit as st

from cnnlab.classroom.lessons import ClassProgress, StudentPlace
from cnnlab.core.lesson import MAX_LESSON_BYTES, StepKind
from cnnlab.core.text import duration, plain
from cnnlab.lab import running_lab
from cnnlab.ui.lesson_banner import question
from cnnlab.ui.lesson_view import KIND_WORDS
from cnnlab.ui.session import Level, flash, show_flashes

REFRESH_S = 5  # as the rest of the dashboard
REVEAL_CHOICE = "teacher_lesson_reveal_step"


def _start(name_key: str) -> None:
    lessons = running_lab().lessons
    file = lessons.library.get(st.session_state.get(name_key))
    if file is None:
        flash(Level.warning, "That lesson is no longer there; choose another one.")
        return
    lessons.start_class(file)
    st.session_state.pop(REVEAL_CHOICE, None)
    flash(Level.success, plain(f"Started {file.lesson.title} for the class: every student follows it now (it "
                               "opens its start stack for each of them, their own one click away)."))


def _end() -> None:
    ended = running_lab().lessons.end_class()
    flash(Level.success if ended else Level.info,
          plain(f"Ended {ended.title}." if ended else "No lesson was running."))


def _reveal() -> None:
    number = st.session_state.get(REVEAL_CHOICE)
    if isinstance(number, int) and running_lab().lessons.reveal(number):
        flash(Level.success, f"Revealed the answer of step {number} to every student on it.")


def _upload() -> None:
    upload = st.session_state.get("teacher_lesson_upload")
    if upload is None:
        return
    data = upload.getvalue()[:MAX_LESSON_BYTES + 1]
    try:
        saved, problems = running_lab().lessons.library.save(upload.name, data)
    except OSError as error:
        flash(Level.error, plain(f"The lesson could not be saved on the server ({type(error).__name__})."))
        return
    if saved is None:
        listing = "\n".join(f"- {plain(problem)}" for problem in problems)
        flash(Level.error, f"{plain(upload.name)} was not added: `lesson check` finds\n\n{listing}")
    else:
        flash(Level.success, plain(f"Added {saved.lesson.title} ({saved.name}, {len(saved.lesson.steps)} "
                                   "steps): start it for the class above."))


def _place_words(student: StudentPlace) -> str:
    if student.finished:
        return "finished"
    return f"step {student.number} of {student.total} · {KIND_WORDS[student.kind].lower()}"


def _table(progress: ClassProgress) -> list[dict[str, object]]:
    return [{"Student": plain(student.name), "Step": _place_words(student),
             "On this step for": "—" if student.finished else duration(student.seconds),
             "Wrong guesses": str(student.tries) if student.kind == StepKind.guess else ""}
            for student in progress.students]


def _reveal_choice(progress: ClassProgress) -> None:
    """Reveal: a guess step (the one most students are on, by default) and the button."""
    steps = enumerate(progress.lesson.steps, start=1)
    guesses = [number for number, step in steps if step.kind == StepKind.guess]
    if not guesses:
        return
    if st.session_state.get(REVEAL_CHOICE) not in guesses:
        st.session_state[REVEAL_CHOICE] = max(guesses, key=lambda n: (len(progress.on_step(n)), -n))

    def label(number: int) -> str:
        """ "step 3 (revealed) · 2 on it"."""
        shown = " (revealed)" if number - 1 in progress.revealed else ""
        return f"step {number}{shown} · {len(progress.on_step(number))} on it"

    choice, button = st.columns([3, 1], vertical_alignment="bottom")
    choice.selectbox("Guess step", guesses, key=REVEAL_CHOICE, format_func=label,
                     help="Shows this step's answer (worked out on each student's own stack) to every "
                          "student on it, now and later.")
    button.button("Reveal", key="teacher_lesson_reveal", icon=":material/visibility:", on_click=_reveal)


@st.fragment(run_every=REFRESH_S)
def _live_progress() -> None:
    progress = running_lab().lessons.class_progress()
    if progress is None:
        st.rerun()
    running = progress.running
    show_flashes()
    st.markdown(plain(f"Running: {progress.lesson.title} · {len(progress.lesson.steps)} steps · started "
                      f"{duration(max(0.0, time.time() - running.started_at))} ago"))
    if progress.students:
        with st.container(key="teacher_lesson_table"):  # a plain table: the projector and screen readers
            st.table(_table(progress), hide_index=True)
    else:
        st.caption("No students yet.")
    _reveal_choice(progress)


def render_class_lesson() -> None:
    """The dashboard's lesson section: the running lesson (progress, Reveal, End) or Start, and Add."""
    lessons = running_lab().lessons
    if lessons.progress.class_lesson() is not None:
        _live_progress()
        st.button("End the lesson", key="teacher_lesson_end", icon=":material/stop_circle:", on_click=_end)
    else:
        files = lessons.library.lessons()
        titles = {file.name: file.lesson.title for file in files}
        st.selectbox("Lesson", list(titles), key="teacher_lesson_choice", format_func=titles.__getitem__)
        st.button("Start for the class", key="teacher_lesson_start", type="primary",
                  icon=":material/play_arrow:", on_click=_start, args=("teacher_lesson_choice",))
    with st.expander("Add a lesson file (.toml)", icon=":material/upload_file:"):
        st.caption("The format is in the README (Lessons); `python -m cnnlab lesson check FILE` checks a "
                   "file before class. A file with a lesson's name replaces it.")
        st.file_uploader("Lesson file", type=["toml"], key="teacher_lesson_upload", on_change=_upload)


def render_projector_progress() -> bool:
    """The class's lesson on the leaderboard: each step with the students on it. False when none runs."""
    progress = running_lab().lessons.class_progress()
    if progress is None:
        return False
    st.header(plain(f"Lesson: {progress.lesson.title}"))
    rows = ["| Step | What | Students |", "| --: | --- | --- |"]
    for number, step in enumerate(progress.lesson.steps, start=1):
        names = ", ".join(plain(name) for name in progress.on_step(number)) or "—"
        text = re.sub(r"[*`]", "", question(step.text))  # the author's emphasis, not shown in a table
        rows.append(f"| {number} | {KIND_WORDS[step.kind]}: {plain(text)} | {names} |")
    finished = ", ".join(plain(name) for name in progress.on_step(len(progress.lesson.steps) + 1)) or "—"
    rows.append(f"| ✓ | Finished | {finished} |")
    with st.container(key="leaderboard_lesson"):
        st.markdown("\n".join(rows))
    return True
