"""The stack as the Build page shows it: the layer table, the totals, the problems, the picture.

The table and the picture depend only on the stack, and building them was most of a Build page run's CPU
(the Plotly picture most of all, profiled under load): each is built once per distinct stack and shared
by every session (`st.cache_resource`, keyed by the analysis's `repr`, which spells out every layer's type,
shape, parameters and formulas). The cached objects are only ever read.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cnnlab.core.advice import Advice, advice_by_layer
from cnnlab.core.arithmetic import Analysis, LayerReport, training_problems
from cnnlab.core.layer_fields import settings_text
from cnnlab.core.layer_types.shapes import format_shape
from cnnlab.core.receptive_field import INPUT_VIEW, receptive_fields
from cnnlab.core.text import plain
from cnnlab.insight.charts import stack_figure

TABLE_COLUMNS = ("No.", "Layer", "Settings", "Output shape", "Shape arithmetic", "Receptive field", "Params",
                 "Parameter arithmetic", "Check")
TOTALS = ("Parameters", "MACs per image", "Weight memory", "Output shape")
HIDDEN_CELL = "guess it first"
CHANGED_ROW_STYLE = "background-color: #fff4c2;"  # a pale yellow: dark text keeps its contrast
TABLE_HINT = "Swipe the table sideways for the shapes and the parameter arithmetic."


@dataclass(frozen=True)
class Hidden:
    """What Build keeps hidden while a lesson asks for it: some cells of the table (1-based layer, column)
    and some of the totals (by their names in TOTALS), with a note saying why."""

    cells: tuple[tuple[int, str], ...] = ()
    totals: tuple[str, ...] = ()
    note: str = ""


NOTHING_HIDDEN = Hidden()
RECEPTIVE_FIELD_NOTE = ("Receptive field: the patch of the input image that one value of the layer's output "
                        "depends on. A pooling layer widens the step between neighbouring values (2×2 "
                        "pooling doubles it), so every layer after it sees much more of the digit.")


def _check(report: LayerReport, advice: tuple[Advice, ...]) -> str:
    """✓, or the layer's problems (✗), its hint (ℹ) and advice (☞ why — fix; a symbol common fonts have,
    unlike an emoji, which a lab PC without an emoji font shows as a box); "…" when a layer above it must be
    fixed first."""
    notes = [f"✗ {p.message}" for p in report.problems]
    if report.hint:
        notes.append(f"ℹ {report.hint}")
    notes += [f"☞ {piece.reason} — {piece.fix}" for piece in advice]
    if not notes and report.output_shape is None:
        return "… its input is known once the layer above is fixed"
    return "  ".join(notes) or "✓"


CACHED_STACKS = 512  # distinct stacks whose table and picture are kept: a class edits a few hundred at once
_BY_STACK = {Analysis: repr}  # how st.cache_resource tells stacks apart: one string naming every layer


def stack_table(analysis: Analysis, raw_layers: list[object]) -> pd.DataFrame:
    """One row for the input and one per layer, every cell already text (Markdown-escaped)."""
    input_shape = format_shape(analysis.input_shape) if analysis.input_shape else "?"
    rows = [("", "Input", f"input_shape={input_shape}", input_shape, "the image", INPUT_VIEW.text(), "0", "",
             "✓")]
    advice = advice_by_layer(analysis)
    for report, view in zip(analysis.layers, receptive_fields(analysis), strict=True):
        raw = raw_layers[report.position - 1] if report.position <= len(raw_layers) else {}
        rows.append((
            str(report.position), report.type or "?", settings_text(raw, report.position),
            format_shape(report.output_shape) if report.output_shape else "?", report.shape_formula,
            view.text() if view else "?", f"{report.params:,}" if report.output_shape else "?",
            report.formula, _check(report, advice.get(report.position, ())),
        ))
    return pd.DataFrame([[plain(cell) for cell in row] for row in rows], columns=list(TABLE_COLUMNS))


def weight_memory(num_bytes: int) -> str:
    """Bytes for people: 243496 → "237.8 KiB"."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if num_bytes >= size:
            return f"{num_bytes / size:,.1f} {unit}"
    return f"{num_bytes:,} bytes"


def hide_cells(table: pd.DataFrame, hidden: Hidden) -> pd.DataFrame:
    """A copy of `stack_table`'s table with the hidden cells written over (row 0 is the input)."""
    if not hidden.cells:
        return table
    table = table.copy()
    for position, column in hidden.cells:
        if 0 < position < len(table):
            table.loc[position, column] = HIDDEN_CELL
    return table


def render_totals(analysis: Analysis, hidden: Hidden = NOTHING_HIDDEN) -> None:
    """Parameters, MACs, weight memory and the output shape, as four metrics (a hidden one shows "?")."""
    params, macs, memory_column, output = st.columns(4)
    so_far = "" if analysis.ok else " so far"
    output_shape = format_shape(analysis.output_shape) if analysis.output_shape else "?"
    memory = weight_memory(analysis.weight_bytes)
    values = (f"{analysis.total_params:,}", f"{analysis.macs:,}", memory, output_shape)
    shown = dict(zip(TOTALS, values, strict=True))
    shown |= {total: "?" for total in hidden.totals}
    split = (f"Trainable {analysis.trainable_params:,}, non-trainable {analysis.non_trainable_params:,} "
             "(BatchNormalization's moving mean and variance).")
    params.metric(f"Parameters{so_far}", shown["Parameters"],
                  help=hidden.note if "Parameters" in hidden.totals else split)
    macs.metric(f"MACs per image{so_far}", shown["MACs per image"],
                help="Multiply-accumulates for one image in Conv2D and Dense layers: the work of one "
                     "prediction.")
    memory_column.metric(f"Weight memory{so_far}", shown["Weight memory"],
                         help="Parameters × 4 bytes (float32).")
    output.metric("Output shape", shown["Output shape"],
                  help="What the last layer gives per image; MNIST needs 10 probabilities.")


def render_problems(analysis: Analysis) -> None:
    """Every problem of the stack (each names its layer and the fix), then what MNIST training still needs."""
    for problem in analysis.problems:
        st.error(plain(str(problem)), icon=":material/error:")
    for problem in training_problems(analysis):
        st.warning(plain(f"Before training on MNIST: {problem}"), icon=":material/info:")


@st.cache_resource(max_entries=CACHED_STACKS, show_spinner=False, hash_funcs=_BY_STACK)
def shared_stack_table(analysis: Analysis, raw_layers: list[object]) -> pd.DataFrame:
    """`stack_table`, built once per distinct stack (and layer settings as typed) for the whole server."""
    return stack_table(analysis, raw_layers)


@st.cache_resource(max_entries=CACHED_STACKS, show_spinner=False, hash_funcs=_BY_STACK)
def shared_stack_figure(analysis: Analysis) -> go.Figure:
    """`charts.stack_figure`, built once per distinct stack for the whole server."""
    return stack_figure(analysis)


def highlight_rule(position: int | None, rows: int) -> str:
    """A style rule that highlights the table row of layer `position` (row 1 is the input), or "" — a rule
    rather than a pandas Styler, which would style the shared table again on every page run."""
    if position is None or not 0 < position < rows:
        return ""
    return (f"<style>.st-key-build_table tbody tr:nth-child({position + 1}) td, .st-key-build_table tbody "
            f"tr:nth-child({position + 1}) th {{ {CHANGED_ROW_STYLE} }}</style>")


def render_stack(analysis: Analysis, raw_layers: list[object], hidden: Hidden = NOTHING_HIDDEN,
                 changed: int | None = None) -> None:
    """The table (layer `changed` highlighted; on a phone with a hint that it scrolls sideways), totals and
    problems of the stack; the `hidden` cells and totals (a lesson's open question) show no value."""
    with st.container(key="build_table_hint"):
        st.caption(TABLE_HINT)
    with st.container(key="build_table"):
        table = hide_cells(shared_stack_table(analysis, raw_layers), hidden)
        st.table(table, hide_index=True)
        rule = highlight_rule(changed, len(table))
        if rule:
            st.html(rule)
    st.caption(RECEPTIVE_FIELD_NOTE)
    if hidden.note:
        st.caption(hidden.note)
    render_totals(analysis, hidden)
    render_problems(analysis)


def render_picture(analysis: Analysis) -> None:
    """The Plotly picture of the tensor flowing through the stack."""
    st.plotly_chart(shared_stack_figure(analysis), key="build_stack_picture",
                    config={"displayModeBar": False})
