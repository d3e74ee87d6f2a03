"""Build's "How this layer works": pick a layer (here, or in "Edit a layer") and see, with its real settings,
what it does — in words, its parameter formula with each term named and coloured like the part of the picture
it counts, and a picture: for Conv2D and pooling a window stepping over the padded input while the output
fills cell by cell (a step control and a play button), for the other layers their border, unrolling or
connections. The lesson and every number come from `core.layer_walk`, the figures from
`insight.layer_picture`.

The panel is a part of Build that shows the stack (`shown_stack.Part.explain`): a change to the stack
redraws it. Stepping reruns only the stepper (a nested fragment). Playing swaps in a stepper of its own that
reruns every `PLAY_INTERVAL_S` (`st.fragment(run_every=…)`); Pause or any step control redraws the panel
with the still stepper, which drops the playing one and so stops its timer (Streamlit tells the browser),
and the last step ends the play with a page rerun, which stops every timer.
"""

from __future__ import annotations

import html
from collections.abc import MutableMapping
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from cnnlab.core.advice import advice_by_layer
from cnnlab.core.arithmetic import Analysis
from cnnlab.core.layer_types.base import PictureKind, Piece
from cnnlab.core.layer_walk import LayerLesson, WindowStep, layer_lesson, named_terms
from cnnlab.core.text import plain
from cnnlab.insight.layer_picture import (
    TERM_COLOURS,
    border_figure,
    connections_figure,
    unroll_figure,
    window_input_figure,
    window_output_figure,
)
from cnnlab.ui.shown_stack import Part

POSITION = "build_explain_pos"
STEP = "build_explain_step"  # 0-based step of the window
STEP_SLIDER = "build_explain_slider"  # 1-based, as shown
PLAYING = "build_explain_playing"
PLAY_INTERVAL_S = 0.8
CACHED_PICTURES = 512  # steps whose figures are kept for the whole server (a class steps the same presets)
_BY_LESSON = {LayerLesson: repr}  # how st.cache_resource tells lessons apart: every number in them
_CHART_CONFIG = {"displayModeBar": False, "staticPlot": True}


def follow_choice(key: str) -> None:
    """Callback of another layer picker (`key`, "Edit a layer"'s): explain the layer just picked there, from
    its first step; that picker's panel and this one are redrawn."""
    if st.session_state.get(key) is not None:
        st.session_state[POSITION] = st.session_state[key]
    _rewind()
    st.rerun([str(Part.edit), str(Part.explain)])


def _rewind() -> None:
    st.session_state[STEP] = 0
    st.session_state[PLAYING] = False


def formula_html(pieces: tuple[Piece, ...]) -> str:
    """The formula with each counted number in its term's colour, and the legend naming each in words."""
    spans = "".join(
        f'<span style="color:{TERM_COLOURS[piece.term]};font-weight:700">{html.escape(piece.text)}</span>'
        if piece.term is not None else html.escape(piece.text) for piece in pieces)
    legend = " · ".join(f'<span style="color:{TERM_COLOURS[term]}">{html.escape(words)}</span>'
                        for words, term in named_terms(pieces))
    return (f'<div style="font-size:1.3rem;overflow-wrap:anywhere">{spans}</div>'
            f'<div style="overflow-wrap:anywhere">{legend}</div>')


def render_explainer(analysis: Analysis, *, answers_hidden: bool = False) -> None:
    """The panel for the stack in `analysis`: the layer picker, then the chosen layer's lesson; with
    `answers_hidden` (a lesson's question is open) only a line saying when it comes back."""
    st.subheader("How this layer works")
    if answers_hidden:
        st.caption("It comes back once you have answered the lesson's question: it shows the layers' shapes "
                   "and parameters.")
        return
    if not analysis.layers:
        st.caption("Add a layer (or open a preset) to see how it works.")
        return
    positions = [report.position for report in analysis.layers]
    if st.session_state.get(POSITION) not in positions:
        st.session_state[POSITION] = positions[0]
    names = {report.position: report.type or "?" for report in analysis.layers}
    position = st.selectbox("Layer to explain", positions, key=POSITION, on_change=_rewind,
                            format_func=lambda p: f"{p} · {names[p]}",
                            help='Or pick it in "Edit a layer".')
    lesson = layer_lesson(analysis, position)
    if lesson is None:
        st.info(f"Layer {position} cannot be shown until it and the layers above it fit together: fix the "
                "problem the table shows.", icon=":material/info:")
        return
    st.markdown(plain(lesson.words))
    if lesson.pieces:
        st.markdown(formula_html(lesson.pieces), unsafe_allow_html=True)
    st.caption(plain(f"Output shape: {lesson.shape_formula}") if lesson.shape_formula else "")
    _render_picture(lesson)
    for piece in advice_by_layer(analysis).get(position, ()):
        st.info(plain(f"{piece.reason} — {piece.fix}"), icon=":material/lightbulb:")


def _render_picture(lesson: LayerLesson) -> None:
    """The lesson's picture: the stepper for a sliding window, a still figure for the others."""
    if lesson.picture == PictureKind.window and st.session_state.get(PLAYING):
        st.fragment(_playing_stepper, run_every=PLAY_INTERVAL_S)(lesson)
    elif lesson.picture == PictureKind.window:
        st.fragment(_stepper)(lesson)
    elif lesson.picture in _STILL:
        st.plotly_chart(_still_figure(lesson), key="build_explain_picture", config=_CHART_CONFIG)
        if lesson.picture == PictureKind.connections:
            st.progress(min(lesson.share, 1.0), text=(
                f"This layer holds {lesson.params:,} of the stack's {lesson.total_params:,} parameters "
                f"({100 * lesson.share:.1f} %)."))


_STILL = {PictureKind.border: border_figure, PictureKind.unroll: unroll_figure,
          PictureKind.connections: connections_figure}


@st.cache_resource(max_entries=CACHED_PICTURES, show_spinner=False, hash_funcs=_BY_LESSON)
def _still_figure(lesson: LayerLesson) -> go.Figure:
    """The still picture of a lesson, built once per distinct layer for the whole server."""
    return _STILL[lesson.picture](lesson)


@st.cache_resource(max_entries=CACHED_PICTURES, show_spinner=False, hash_funcs=_BY_LESSON)
def _step_figures(lesson: LayerLesson, number: int) -> tuple[go.Figure, go.Figure]:
    """The input and output pictures of one step, built once per distinct layer and step for the server."""
    step = lesson.walk.step(number)
    return window_input_figure(lesson, step), window_output_figure(lesson, step)


def _go_to(number: int) -> None:
    """Put the window at step `number`; a play in progress stops (the panel is redrawn without its timer)."""
    was_playing = bool(st.session_state.get(PLAYING))
    st.session_state[STEP] = number
    st.session_state[PLAYING] = False
    if was_playing:
        st.rerun(str(Part.explain))


def _go_to_slider() -> None:
    _go_to(int(st.session_state[STEP_SLIDER]) - 1)


def _toggle_play(steps: int) -> None:
    """Play from where the window is (from the start once it is at the end), or pause: the panel is redrawn
    with or without the stepper's timer."""
    number = int(st.session_state.get(STEP, 0))
    playing = not st.session_state.get(PLAYING)
    st.session_state[STEP] = 0 if playing and number >= steps - 1 else number
    st.session_state[PLAYING] = playing
    st.rerun(str(Part.explain))


def _stepper(lesson: LayerLesson) -> None:
    """The window at the current step: the controls, where it is in words, the input and output pictures."""
    walk = lesson.walk
    number = min(max(int(st.session_state.get(STEP, 0)), 0), walk.steps - 1)
    st.session_state[STEP] = number
    playing = bool(st.session_state.get(PLAYING))
    step = walk.step(number)
    back, forward, play = st.columns(3)
    back.button("Previous step", key="build_explain_back", icon=":material/skip_previous:",
                disabled=number == 0, on_click=_go_to, args=(number - 1,), width="stretch")
    forward.button("Next step", key="build_explain_next", icon=":material/skip_next:",
                   disabled=number == walk.steps - 1, on_click=_go_to, args=(number + 1,), width="stretch")
    play.button("Pause" if playing else "Play", key="build_explain_play", on_click=_toggle_play,
                args=(walk.steps,), icon=":material/pause:" if playing else ":material/play_arrow:",
                width="stretch", disabled=walk.steps == 1)
    if playing:  # no slider while playing: its value could reach the server a step late and stop the play
        st.progress(step.filled / walk.steps, text=f"Step {step.filled:,} of {walk.steps:,}")
    elif walk.steps > 1:
        st.session_state[STEP_SLIDER] = number + 1
        st.slider("Step", 1, walk.steps, key=STEP_SLIDER, on_change=_go_to_slider)
    st.markdown(f"**Output cells filled: {step.filled:,} of {walk.steps:,}**")
    st.caption(plain(_where(lesson, step)))
    before, after = _step_figures(lesson, number)
    seen, made = st.columns(2)
    seen.plotly_chart(before, key="build_explain_input", config=_CHART_CONFIG)
    made.plotly_chart(after, key="build_explain_output", config=_CHART_CONFIG)


def _playing_stepper(lesson: LayerLesson) -> None:
    """The stepper while playing: each run (its timer's, every `PLAY_INTERVAL_S`) first moves the window one
    step (`play_tick`); at the last step the play ends with a page rerun, which stops the timer."""
    if play_tick(st.session_state, lesson.walk.steps):
        st.rerun()
    _stepper(lesson)


def play_tick(state: MutableMapping[str, Any], steps: int) -> bool:
    """One tick of the play timer on the session `state`: the window one step on while playing; True when
    that is the last of `steps` (the play is over). A tick the browser sent before Pause reached a busy server
    finds the play over and moves nothing."""
    if not state.get(PLAYING):
        return False
    number = int(state.get(STEP, 0)) + 1
    state[STEP] = number
    if number < steps - 1:
        return False
    state[PLAYING] = False
    return True


def _where(lesson: LayerLesson, step: WindowStep) -> str:
    """The step in words: which input rows and columns the window covers (and how much of it is padding),
    which output cell it fills."""
    height, width = lesson.input_shape[0], lesson.input_shape[1]
    outside = sum(1 for r in step.rows if not 0 <= r < height) * len(step.cols) + sum(
        1 for c in step.cols if not 0 <= c < width) * sum(1 for r in step.rows if 0 <= r < height)
    padding = f" ({outside} of its {len(step.rows) * len(step.cols)} cells on the padding)" if outside else ""
    span = f"rows {step.rows.start}–{step.rows.stop - 1}, columns {step.cols.start}–{step.cols.stop - 1}"
    return (f"Step {step.number + 1:,}: the window covers input {span}{padding} and fills output row "
            f"{step.cell[0]}, column {step.cell[1]} (counting from 0).")
