"""A student's lesson on the page: the current step (text, and a guess box, a Next button, or what is still
missing for a stack or run step), the list of lessons to choose from, joining the class's lesson, and what
Build hides while a guess is open. The lesson banner of Build and Train (`lesson_banner`) reuses the step's
parts.

A guess's answer is computed from the student's own stack at the moment they press Check
(`cnnlab.classroom.lessons`), so it is right for whatever they built.
"""

from __future__ import annotations

from enum import StrEnum

import streamlit as st

from cnnlab.classroom.lessons import HINT_AFTER, Following
from cnnlab.core.arithmetic import Analysis, analyze
from cnnlab.core.challenge import describe_limits
from cnnlab.core.lesson import Quantity, Step, StepKind
from cnnlab.core.lesson_answers import EXAMPLES, Answer, NoAnswer, Verdict, answer
from cnnlab.core.lesson_goals import describe_run_goal, stack_status
from cnnlab.core.presets import PRESETS
from cnnlab.core.text import plain
from cnnlab.lab import running_lab
from cnnlab.ui import session
from cnnlab.ui.editor import open_preset
from cnnlab.ui.session import Level, flash
from cnnlab.ui.shown_stack import redraw
from cnnlab.ui.stack_view import NOTHING_HIDDEN, Hidden

GUESS_LABEL, CHECK_LABEL = "Your guess", "Check"
OUTCOME = "lesson_outcome"  # (where, level, message) of the last Check, shown under that Check
WATCH_S = 5  # the Lesson page looks for a Reveal or a new class lesson this often
KIND_WORDS = {StepKind.guess: "Guess", StepKind.stack: "Change your stack", StepKind.run: "Train",
              StepKind.read: "Read"}


class Where(StrEnum):
    """Where a step is drawn; its widgets' keys start with it."""

    lesson = "lesson"  # the Lesson page
    build = "build_lesson"  # Build's banner: a change there redraws Build's stack parts
    train = "train_lesson"  # Train's banner


def stack_analysis(owner: str) -> Analysis:
    """The student's stack as it is now, analysed."""
    return analyze(running_lab().drafts.current(owner))


# --------------------------------------------------------------------------------- hiding on Build

_HIDDEN = {  # quantity: (its cells in its layer's row, in the next row, the totals it can be read from)
    Quantity.params: (("Params", "Parameter arithmetic"), (), ("Parameters", "Weight memory")),
    Quantity.output_shape: (("Output shape", "Shape arithmetic"),
                            ("Shape arithmetic", "Parameter arithmetic"), ()),
    Quantity.macs: ((), (), ("MACs per image",)),
    Quantity.receptive_field: (("Receptive field",), (), ()),
    Quantity.total_params: ((), (), ("Parameters", "Weight memory")),
}


def hidden_answer(following: Following | None, analysis: Analysis) -> Hidden:
    """What Build must not show while a guess step is open on the student's stack: the guessed layer's
    cells (and the next layer's arithmetic, which spells out an output shape), and any total it can be
    read from; the last layer's output shape is the totals' output shape too."""
    step = following.step if following else None
    if step is None or step.kind != StepKind.guess or following.answer_open:
        return NOTHING_HIDDEN
    own, after, totals = _HIDDEN[step.quantity]
    layer = step.layer or 0
    cells = tuple((layer, column) for column in own) + tuple((layer + 1, column) for column in after)
    if step.quantity == Quantity.output_shape and layer == len(analysis.layers):
        totals = ("Output shape",)
    found = answer(step, analysis)
    what = found.what if isinstance(found, Answer) else "the answer"
    return Hidden(cells, totals, f"The lesson asks for {what}: it stays hidden here until you answer it "
                                 "(in the lesson banner, or on the Lesson page).")


def hidden_on_build(owner: str, analysis: Analysis) -> Hidden:
    """`hidden_answer` for the student's lesson, after checking a stack step against `analysis`."""
    return hidden_answer(running_lab().lessons.update(owner, analysis), analysis)


# --------------------------------------------------------------------------------------- the step

def _redraw_if_build(owner: str, where: Where) -> None:
    if where == Where.build:
        redraw(owner)


def _check(owner: str, where: Where, number: int) -> None:
    lessons = running_lab().lessons
    text = st.session_state.get(f"{where}_guess") or ""
    following = lessons.follow(owner)
    if following is None or following.number != number:
        st.session_state[OUTCOME] = (where, Level.info, "The lesson moved on (in another tab, or your "
                                                        "teacher changed it): here is where you are now.")
        _redraw_if_build(owner, where)
        return
    outcome = lessons.guess(owner, text, stack_analysis(owner))
    found = outcome.found
    if isinstance(found, NoAnswer):
        message = (Level.warning, plain(found.reason))
    elif outcome.verdict == Verdict.right:
        what = found.what[:1].upper() + found.what[1:]
        message = (Level.success, f"Right! {plain(what)}: {plain(found.formula)}")
    elif outcome.verdict == Verdict.wrong:
        guessed = plain(text.strip()[:40])
        message = (Level.warning, f"**{guessed}** is not yet right for {plain(found.what)} — try again.")
    else:
        message = (Level.info, plain(f"Type {EXAMPLES[following.step.quantity]}."))
    st.session_state[OUTCOME] = (where, *message)
    st.session_state[f"{where}_guess"] = ""
    _redraw_if_build(owner, where)


def _next(owner: str, where: Where, number: int) -> None:
    running_lab().lessons.next_step(owner, number)
    _redraw_if_build(owner, where)


def _next_button(owner: str, where: Where, number: int) -> None:
    st.button("Next", key=f"{where}_next", type="primary", icon=":material/arrow_forward:", on_click=_next,
              args=(owner, where, number))


def _show_answer(owner: str, where: Where, number: int) -> None:
    running_lab().lessons.show_answer(owner, number)
    _redraw_if_build(owner, where)


def render_outcome(where: Where) -> None:
    """The message of the last Check made here (once): drawn by the guess step it was about, or, when a
    right answer moved the student on, at the top of the next step."""
    outcome = st.session_state.get(OUTCOME)
    if outcome is not None and outcome[0] == where:
        del st.session_state[OUTCOME]
        getattr(st, Level(outcome[1]))(outcome[2])


def render_guess(owner: str, following: Following, step: Step, where: Where) -> None:
    """The guess box and Check (the formula with the student's numbers when right; "not yet" when wrong;
    the hint after two wrong tries), or, once the answer was revealed, the answer and Next."""
    number = following.number
    if following.answer_open:
        found = answer(step, stack_analysis(owner))
        who = "Your teacher revealed the answer" if following.revealed else "The answer"
        if isinstance(found, Answer):
            st.info(f"{who}: **{plain(found.text)}** — {plain(found.formula)}", icon=":material/visibility:")
        else:
            st.warning(plain(found.reason))
        _next_button(owner, where, number)
        return
    box, check = st.columns([3, 1], vertical_alignment="bottom")
    box.text_input(GUESS_LABEL, key=f"{where}_guess", placeholder=EXAMPLES[step.quantity].split(" (")[0],
                   max_chars=60)
    check.button(CHECK_LABEL, key=f"{where}_check", type="primary", on_click=_check,
                 args=(owner, where, number))
    render_outcome(where)
    if following.place.tries >= HINT_AFTER and step.hint:
        st.info(f"Hint: {plain(step.hint)}", icon=":material/lightbulb:")
    if following.place.tries >= HINT_AFTER and not following.in_class:
        st.button("Show me the answer", key=f"{where}_show", icon=":material/visibility:",
                  on_click=_show_answer, args=(owner, where, number))


def render_stack_step(owner: str, step: Step, analysis: Analysis | None = None) -> None:
    """What the stack still lacks for a stack step (it is checked on every change on Build)."""
    status = stack_status(step.stack, analysis or stack_analysis(owner))
    if status.notes:
        st.caption(plain("Still to do: " + "; ".join(status.notes) + "."))


def render_run_step(owner: str, following: Following, step: Step) -> None:
    """What a run must reach for a run step, and how the student's latest run since the step began did."""
    goal = ", ".join(describe_run_goal(step.run))
    st.caption(plain(f"Done with a run that finishes from now on with {goal}."))
    latest = running_lab().lessons.latest_run_notes(owner, following)
    if latest:
        st.caption(plain("Your latest run: " + "; ".join(latest) + "."))


def render_challenge_note(following: Following, step: Step) -> None:
    """A step that starts the class challenge says so (and, for a lesson followed alone, what it is)."""
    if step.challenge is None:
        return
    limits = " · ".join(describe_limits(step.challenge)) or "no limits"
    if following.in_class:
        st.caption(plain(f"This step starts the class challenge {step.challenge.title} ({limits}): the "
                         "leaderboard shows the best runs."))
    else:
        st.caption(plain(f"The class challenge at this step is {step.challenge.title} ({limits}): your "
                         "teacher can set it for the class."))


def render_step(owner: str, following: Following, where: Where) -> None:
    """The current step: its text and what it asks for (the guess box, Next, or what is still missing)."""
    step = following.step
    if step.kind != StepKind.guess:
        render_outcome(where)
    st.markdown(f"**{KIND_WORDS[step.kind]}** · {following.progress}")  # "**Guess** · step 3 of 7", once
    st.markdown(step.text)
    if step.kind == StepKind.guess:
        render_guess(owner, following, step, where)
    elif step.kind == StepKind.read:
        _next_button(owner, where, following.number)
    elif step.kind == StepKind.stack:
        render_stack_step(owner, step)
        session.link(session.Page.BUILD, "Change it on Build", ":material/stacks:", owner)
    else:
        render_run_step(owner, following, step)
        session.link(session.Page.TRAIN, "Train on the Train page", ":material/model_training:", owner)
    if step.kind in (StepKind.stack, StepKind.run) and step.hint:
        with st.expander("Stuck?", icon=":material/lightbulb:"):
            st.markdown(plain(step.hint))
    render_challenge_note(following, step)


# ------------------------------------------------------------------------------------- the page

def _stamp(following: Following | None) -> tuple | None:
    """What, when it changes elsewhere (a Reveal, a new class lesson), makes the Lesson page redraw."""
    if following is None:
        return None
    return following.track, following.place.step, following.revealed, following.place.answer_shown


@st.fragment(run_every=WATCH_S)
def _watch(owner: str, drawn: tuple | None) -> None:
    """Reruns the page when the teacher revealed the answer, started or ended a lesson, or another tab moved
    the student on; otherwise draws nothing."""
    if _stamp(running_lab().lessons.follow(owner)) != drawn:
        st.rerun()


def _restart(owner: str) -> None:
    running_lab().lessons.restart(owner)


def _leave(owner: str) -> None:
    running_lab().lessons.leave(owner)
    flash(Level.info, "You left the lesson; your place in it is kept if you choose it again.")


def render_lesson(owner: str) -> Following | None:
    """The lesson the student follows: title, progress (step 3 of 7), the current step, and its controls."""
    following = running_lab().lessons.update(owner)
    _watch(owner, _stamp(following))
    if following is None:
        st.info("Choose a lesson below: each one walks you through one idea, step by step. You guess a "
                "number before you see it, change your stack, and train it.", icon=":material/menu_book:")
        return None
    lesson = following.lesson
    if following.in_class:
        st.info("Your teacher started this lesson for the whole class. It comes first: a lesson you chose "
                "yourself waits until your teacher ends this one.", icon=":material/school:")
    st.header(plain(lesson.title))
    if lesson.summary:
        st.caption(plain(lesson.summary))
    done = min(following.place.step, following.total) / following.total
    st.progress(done)
    with st.container(border=True, key="lesson_step"):
        if following.finished:
            render_outcome(Where.lesson)
            st.success(plain(f"You finished {lesson.title}: all {following.total} steps. Choose another "
                             "lesson below."), icon=":material/celebration:")
        else:
            render_step(owner, following, Where.lesson)
    start, restart, leave = st.columns(3)
    if lesson.start in PRESETS:
        start.button(f"Open the lesson's stack again ({lesson.start})", key="lesson_open_start",
                     icon=":material/restart_alt:", on_click=open_preset, args=(owner, lesson.start),
                     help="Replaces your stack with the one the lesson starts from (you can bring yours "
                          "back).")
    if not following.in_class:
        restart.button("Start over", key="lesson_restart", icon=":material/first_page:", on_click=_restart,
                       args=(owner,))
        leave.button("Leave this lesson", key="lesson_leave", icon=":material/logout:", on_click=_leave,
                     args=(owner,))
    return following


def _choose(owner: str, name: str) -> None:
    following = running_lab().lessons.choose(owner, name)
    if following is None:
        flash(Level.warning, "That lesson is no longer there; choose another one.")
        return
    if following.entered and following.lesson.start in PRESETS:
        open_preset(owner, following.lesson.start)
    if running_lab().lessons.progress.class_lesson() is not None:
        flash(Level.info, plain(f"{following.lesson.title} is kept for after the class's lesson."))


def render_lesson_list(owner: str, following: Following | None) -> None:
    """Every lesson (shipped and the teacher's), each with Start, or Continue where the student left it."""
    files = running_lab().lessons.library.lessons()
    own = running_lab().lessons.progress.own(owner)
    st.subheader("Lessons")
    if following is not None and following.in_class:
        st.caption("You can choose one for later: the class's lesson comes first while it runs.")
    for file in files:
        lesson = file.lesson
        with st.container(border=True, key=f"lesson_card_{file.name}"):
            text, action = st.columns([4, 1], vertical_alignment="center")
            origin = " · from your teacher" if file.origin == "teacher" else ""
            text.markdown(f"**{plain(lesson.title)}**  \n{plain(lesson.summary)}")
            text.caption(plain(f"{len(lesson.steps)} steps{origin}"))
            current = own is not None and own.name == file.name
            action.button("Continue" if current else "Start", key=f"lesson_start_{file.name}",
                          icon=":material/play_arrow:", on_click=_choose, args=(owner, file.name),
                          disabled=current and following is not None and not following.in_class)


def enter_class_lesson(owner: str) -> None:
    """On any student page: the first time the student meets the class's lesson, open its start stack (their
    own is one click away) and say where the lesson is."""
    following = running_lab().lessons.follow(owner)
    if following is None or not following.entered or not following.in_class:
        return
    if following.lesson.start in PRESETS:
        open_preset(owner, following.lesson.start)
    flash(Level.info, plain(f"Your teacher started the lesson {following.lesson.title}: follow it on the "
                            "Lesson page, or in the banner on Build and Train."))
