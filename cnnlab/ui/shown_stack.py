"""The stack a Build page shows, read once per change and handed to every part of the page that draws it.

The parts of Build that depend on the stack — the layer table with its totals, "Add a layer", "Edit a
layer", "How this layer works", the picture and the stack's files — are fragments, each with a key (`Part`).
A change made in Add or Edit reruns only those parts (`redraw`), not the sidebar, the class notices, the name
and input boxes or the presets; a choice that does not change the stack (a layer to edit, the next layer's
type) reruns only its own panel. With 60 students editing, the web server's one core is the class's
bottleneck (`bench/classroom_load.py`).

Every part draws the same stack: the page run (or the change's callback) reads it once, with its analysis,
and lists every part as still to draw it; a part rerun on its own reads it again and, should another tab have
changed it meanwhile, reruns the whole page instead of drawing a stack the rest of the page does not show.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn

import streamlit as st

from cnnlab.core.arithmetic import Analysis, analyze
from cnnlab.core.stack_doc import Stack
from cnnlab.engine.drafts import DraftState
from cnnlab.lab import running_lab


class Part(StrEnum):
    """The parts of Build that show the stack: their fragment keys."""

    stack = "build_part_stack"
    add = "build_part_add"
    edit = "build_part_edit"
    picture = "build_part_picture"
    files = "build_part_files"
    explain = "build_part_explain"
    lesson = "build_part_lesson"  # the lesson's banner: a stack step may be done by the change


@dataclass(frozen=True)
class ShownStack:
    """The owner's stack as the page shows it: the draft (stack, version, undo depth) and its analysis."""

    draft: DraftState
    analysis: Analysis

    @property
    def stack(self) -> Stack:
        """The raw stack document."""
        return self.draft.stack


SHOWN = "build_shown"  # the ShownStack of the latest page run or change
PARTS_TO_DRAW = "build_parts_to_draw"  # the parts that have not drawn it yet


def read_stack(owner: str) -> ShownStack:
    """Read the owner's stack for every part of the page (once per page run, or per change)."""
    draft = running_lab().drafts.state(owner)
    shown = ShownStack(draft, analyze(draft.stack))
    st.session_state[SHOWN] = shown
    st.session_state[PARTS_TO_DRAW] = set(Part)
    return shown


def shown_in(part: Part, owner: str) -> ShownStack:
    """The stack `part` draws: the one read for this run; in the part's own rerun, the stack read again —
    and if that is not the stack the rest of the page shows (another tab changed it), the page reruns."""
    to_draw = st.session_state.get(PARTS_TO_DRAW, set())
    shown = st.session_state.get(SHOWN)
    if part in to_draw and shown is not None:
        to_draw.discard(part)
        return shown
    draft = running_lab().drafts.state(owner)
    if shown is None or draft != shown.draft:
        st.rerun()
    return shown


def redraw(owner: str) -> NoReturn:
    """From the callback of a change in Add or Edit (saved, or refused with a message): read the stack once
    and rerun only the parts that show it. Ends the callback, so call it last."""
    read_stack(owner)
    st.rerun([str(part) for part in Part])
