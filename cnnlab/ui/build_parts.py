"""The parts of the Build page that show the stack, each a fragment that `shown_stack.redraw` can rerun
without the rest of the page (see `cnnlab.ui.shown_stack`)."""

from __future__ import annotations

import streamlit as st

from cnnlab.core.stack_doc import layers_of
from cnnlab.lab import running_lab
from cnnlab.ui import (
    build_feedback,
    challenge_view,
    editor,
    files,
    layer_explainer,
    lesson_view,
    session,
    stack_view,
)
from cnnlab.ui.shown_stack import Part, shown_in


@st.fragment(key=Part.stack)
def render_stack(owner: str) -> None:
    """The totals bar, the messages of the latest change, Undo, the challenge's checks, the layer table (the
    edited layer's row highlighted), totals and problems (less any answer a lesson's open question asks
    for)."""
    shown = shown_in(Part.stack, owner)
    entry = running_lab().classroom.challenges.active()
    hidden = lesson_view.hidden_on_build(owner, shown.analysis)
    st.session_state[build_feedback.HIDDEN_KEY] = hidden  # the Edit panel hides the same answers
    build_feedback.render_totals_bar(shown.analysis, entry, hidden)
    session.show_flashes()
    editor.render_undo(owner, shown.draft.undo_steps)
    if not hidden.totals:  # the challenge's checks quote the totals a lesson's question may be about
        challenge_view.render_stack_checks(entry, shown.analysis)
    edited = st.session_state.get(editor.EDIT_POSITION)
    stack_view.render_stack(shown.analysis, layers_of(shown.stack), hidden, edited)


@st.fragment(key=Part.add)
def render_add(owner: str) -> None:
    """"Add a layer"."""
    editor.render_add(owner, shown_in(Part.add, owner))


@st.fragment(key=Part.edit)
def render_edit(owner: str) -> None:
    """"Edit a layer"."""
    editor.render_edit(owner, shown_in(Part.edit, owner))


@st.fragment(key=Part.explain)
def render_explainer(owner: str) -> None:
    """"How this layer works" for the layer picked there or in "Edit a layer" (not while a lesson's question
    is open: its formulas and pictures give the shapes and parameter counts away)."""
    analysis = shown_in(Part.explain, owner).analysis
    layer_explainer.render_explainer(analysis, answers_hidden=bool(lesson_view.hidden_on_build(owner,
                                                                                                analysis).note))


@st.fragment(key=Part.picture)
def render_picture(owner: str) -> None:
    """The picture of the tensor flowing through the stack (not while a lesson's question is open: it shows
    every shape and parameter count)."""
    analysis = shown_in(Part.picture, owner).analysis
    if lesson_view.hidden_on_build(owner, analysis).note:
        st.caption("The picture of your stack comes back once you have answered the lesson's question.")
    else:
        stack_view.render_picture(analysis)


@st.fragment(key=Part.files)
def render_files(owner: str) -> None:
    """The Share link and the stack's downloads (JSON, Keras code)."""
    shown = shown_in(Part.files, owner)
    files.render_share(shown.analysis)
    files.render_downloads(shown.stack, shown.analysis)
