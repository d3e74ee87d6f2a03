"""The lesson's banner on Build and Train: the current step in one compact box (its question, the guess box,
Next, or what is still missing), so a student need not switch pages. On Build it is one of the parts a
change redraws (`shown_stack.Part.lesson`): a stack step done by an edit moves the banner on at once, without
reloading the page.
"""

from __future__ import annotations

import re

import streamlit as st

from cnnlab.classroom.lessons import Following
from cnnlab.core.arithmetic import Analysis
from cnnlab.core.lesson import StepKind
from cnnlab.core.text import plain
from cnnlab.lab import running_lab
from cnnlab.ui import session
from cnnlab.ui.lesson_view import Where, render_guess, render_outcome, render_run_step, render_stack_step
from cnnlab.ui.shown_stack import Part, shown_in

QUESTION_CHARS = 220


def question(text: str) -> str:
    """The step's last paragraph (where its question or instruction is), on one line and cut short.

    >>> question("Layer 1 has 16 filters.\\n\\nHow many parameters\\ndoes it have?")
    'How many parameters does it have?'
    """
    paragraphs = [part for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]
    line = " ".join(paragraphs[-1].split()) if paragraphs else ""
    return line if len(line) <= QUESTION_CHARS else line[:QUESTION_CHARS - 1].rstrip() + "…"


def _banner(owner: str, following: Following | None, where: Where, analysis: Analysis | None = None) -> None:
    if following is None:
        return
    with st.container(border=True, key=f"{where}_banner"):
        title = f":material/menu_book: **{plain(following.lesson.title)}** · {following.progress}"
        step = following.step
        if step is None or step.kind != StepKind.guess:
            render_outcome(where)
        if step is None:
            st.markdown(f"{title} — well done!")
            return
        st.markdown(f"{title} — {question(step.text)}")
        if step.kind == StepKind.guess:
            render_guess(owner, following, step, where)
        elif step.kind == StepKind.stack:
            render_stack_step(owner, step, analysis)
        elif step.kind == StepKind.run:
            render_run_step(owner, following, step)
        session.link(session.Page.LESSON, "Open the lesson", ":material/menu_book:", owner)


@st.fragment(key=Part.lesson)
def render_build_banner(owner: str) -> None:
    """Build's banner, redrawn with the stack's parts after every change (which may finish a stack step)."""
    shown = shown_in(Part.lesson, owner)
    _banner(owner, running_lab().lessons.update(owner, shown.analysis), Where.build, shown.analysis)


def render_train_banner(owner: str) -> None:
    """Train's banner (a run step is checked here, as the page reruns when a run finishes)."""
    _banner(owner, running_lab().lessons.update(owner), Where.train)
