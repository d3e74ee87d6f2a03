"""Feedback where the student is looking on Build: a compact totals bar that stays in sight while they
scroll (`layout` pins it), the edited layer's shape and parameter arithmetic inside the Edit panel, and its
row highlighted in the table."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from cnnlab.classroom.challenges import SetChallenge
from cnnlab.core.arithmetic import Analysis, LayerReport
from cnnlab.core.layer_types.shapes import format_shape
from cnnlab.core.text import plain

CHANGED_ROW_COLOUR = "background-color: #fff4c2"  # a pale yellow, dark text keeps its contrast
TABLE_HINT = "Swipe the table sideways for the shapes and the parameter arithmetic."


def totals_line(analysis: Analysis, entry: SetChallenge | None) -> str:
    """The totals in one line of Markdown: "**60,874** parameters · **2,083,904** MACs per image", then how
    the stack stands against an active challenge's parameter limit: "10,182 / 10,000 — 182 over"."""
    parts = [f"**{analysis.total_params:,}** parameters", f"**{analysis.macs:,}** MACs per image"]
    challenge = entry.challenge if entry is not None and entry.active else None
    if challenge is not None and challenge.max_params is not None:
        limit, total = challenge.max_params, analysis.total_params
        standing = (f":red[**{total:,} / {limit:,} — {total - limit:,} over**]" if total > limit
                    else f":green[{total:,} / {limit:,} — within the limit]")
        parts.append(standing)
    if not analysis.ok:
        parts.append(":red[the stack has a problem — see below the table]")
    return " · ".join(parts)


def render_totals_bar(analysis: Analysis, entry: SetChallenge | None) -> None:
    """The totals line in a bar that stays at the top of the screen (at the bottom on a phone)."""
    with st.container(key="build_totals_bar"):
        st.markdown(totals_line(analysis, entry))


def layer_summary(report: LayerReport) -> str:
    """What one layer does, for the Edit panel: its output shape (with the arithmetic) and its parameters
    (with the arithmetic), or why they are not known yet; Markdown with every formula escaped."""
    if report.output_shape is None:
        problems = "; ".join(problem.message for problem in report.problems)
        return plain(f"Output shape unknown: {problems or 'fix the layer above it first'}.")
    shape = format_shape(report.output_shape)
    how = f" ({report.shape_formula})" if report.shape_formula else ""
    return (f"**Output shape** {plain(shape)}{plain(how)}  \n"
            f"**Parameters** {report.params:,}: {plain(report.formula)}")


def render_layer_summary(analysis: Analysis, position: int) -> None:
    """The edited layer's shape and parameter arithmetic, under its settings in the Edit panel."""
    report = next((r for r in analysis.layers if r.position == position), None)
    if report is not None:
        with st.container(key="build_edit_summary", border=True):
            st.markdown(layer_summary(report))


def highlighted(table: pd.DataFrame, position: int | None) -> pd.DataFrame | Styler:
    """The stack table with the row of layer `position` (row 0 is the input) highlighted; the shared
    table itself is never changed."""
    if position is None or not 0 < position < len(table):
        return table
    colours = [CHANGED_ROW_COLOUR if row == position else "" for row in range(len(table))]
    return table.style.apply(lambda column: colours, axis=0)
