"""Feedback where the student is looking on Build: a compact totals bar that stays in sight while they
scroll (`layout` pins it), and the edited layer's shape and parameter arithmetic inside the Edit panel (its
row is highlighted in the table: `stack_view.highlight_rule`)."""

from __future__ import annotations

import streamlit as st

from cnnlab.classroom.challenges import SetChallenge
from cnnlab.core.arithmetic import Analysis, LayerReport
from cnnlab.core.layer_types.shapes import format_shape
from cnnlab.core.layer_walk import named_terms
from cnnlab.core.text import plain
from cnnlab.ui.stack_view import Hidden

HIDDEN_KEY = "build_hidden"  # what a lesson's open question hides on this run of Build (stack_view.Hidden)
HIDDEN_MARK = "?"


def totals_line(analysis: Analysis, entry: SetChallenge | None, hidden_totals: tuple[str, ...] = ()) -> str:
    """The totals in one line of Markdown: "**60,874** parameters · **2,083,904** MACs per image", then how
    the stack stands against an active challenge's parameter limit: "10,182 / 10,000 — 182 over". A total
    a lesson's open question asks for (`hidden_totals`, by its name in `stack_view.TOTALS`) shows "?"."""
    params = HIDDEN_MARK if "Parameters" in hidden_totals else f"{analysis.total_params:,}"
    macs = HIDDEN_MARK if "MACs per image" in hidden_totals else f"{analysis.macs:,}"
    parts = [f"**{params}** parameters", f"**{macs}** MACs per image"]
    challenge = entry.challenge if entry is not None and entry.active else None
    if challenge is not None and challenge.max_params is not None and not hidden_totals:
        limit, total = challenge.max_params, analysis.total_params
        standing = (f":red[**{total:,} / {limit:,} — {total - limit:,} over**]" if total > limit
                    else f":green[{total:,} / {limit:,} — within the limit]")
        parts.append(standing)
    if not analysis.ok:
        parts.append(":red[the stack has a problem — see below the table]")
    return " · ".join(parts)


def render_totals_bar(analysis: Analysis, entry: SetChallenge | None, hidden: Hidden) -> None:
    """The totals line in a bar that stays at the top of the screen (at the bottom on a phone)."""
    with st.container(key="build_totals_bar"):
        st.markdown(totals_line(analysis, entry, hidden.totals))


def layer_summary(report: LayerReport, hidden_columns: frozenset[str] = frozenset()) -> str:
    """What one layer does, for the Edit panel: its output shape (with the arithmetic) and its parameters
    (with the arithmetic), or why they are not known yet; Markdown with every formula escaped. A value a
    lesson's open question asks for (its table column in `hidden_columns`) shows "?"."""
    if report.output_shape is None:
        problems = "; ".join(problem.message for problem in report.problems)
        return plain(f"Output shape unknown: {problems or 'fix the layer above it first'}.")
    if hidden_columns & {"Output shape", "Shape arithmetic"}:
        shape = HIDDEN_MARK
    else:
        how = f" ({report.shape_formula})" if report.shape_formula else ""
        shape = plain(f"{format_shape(report.output_shape)}{how}")
    if hidden_columns & {"Params", "Parameter arithmetic"}:
        params = HIDDEN_MARK
    else:
        params = f"{report.params:,}: {plain(report.formula)}"
        terms = _terms(report)
        params += f"  \n*{plain(terms)}*" if terms else ""
    return f"**Output shape** {shape}  \n**Parameters** {params}"


def _terms(report: LayerReport) -> str:
    """What each number of the layer's parameter formula counts, in words: "32 filters, 3 kernel rows, …"."""
    if report.layer is None or report.input_shape is None:
        return ""
    return ", ".join(words for words, _ in named_terms(report.layer.step(report.input_shape).pieces))


def render_layer_summary(analysis: Analysis, position: int) -> None:
    """The edited layer's shape and parameter arithmetic, under its settings in the Edit panel (less what a
    lesson's open question asks for, as the table hides it)."""
    report = next((r for r in analysis.layers if r.position == position), None)
    if report is None:
        return
    hidden = st.session_state.get(HIDDEN_KEY)
    cells = hidden.cells if hidden is not None else ()
    columns = frozenset(column for layer, column in cells if layer == position)
    with st.container(key="build_edit_summary", border=True):
        st.markdown(layer_summary(report, columns))
