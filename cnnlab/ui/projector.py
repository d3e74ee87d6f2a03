"""The leaderboard on the projector (`/Leaderboard?view=projector`): no sidebar, text of at least 24 px,
the standings in two columns so a class of 30 fits a 1080p screen at once (a bigger class pages by itself,
one page per redraw), and the join address with its QR code beside the title."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cnnlab.classroom.leaderboard import Standing
from cnnlab.ui import join

VIEW_PARAM = "view"
PROJECTOR = "projector"
COLUMNS = 2
ROWS_PER_COLUMN = 15  # 2 × 15 names, each at 24 px or more, fit 1080 pixels under the title
PAGE_SIZE = COLUMNS * ROWS_PER_COLUMN


def requested() -> bool:
    """True when the page was opened as `?view=projector`."""
    return st.query_params.get(VIEW_PARAM) == PROJECTOR


def page_of(rows: list[Standing], now_s: float, seconds_per_page: float) -> tuple[list[Standing], int, int]:
    """The standings shown now: all of them when they fit one screen, else the page the clock is on (each
    shown for `seconds_per_page`); with its number and the number of pages."""
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    index = int(now_s // seconds_per_page) % pages
    return rows[index * PAGE_SIZE:(index + 1) * PAGE_SIZE], index + 1, pages


def title_column() -> DeltaGenerator:
    """The join address and its QR code in a narrow right column; returns the wide left one, for the
    challenge's title and limits."""
    left, right = st.columns([4, 1], vertical_alignment="top")
    with right:
        join.render_join(scale=6, on_projector=True)
    return left


def render_rows(rows: list[Standing], markdown: Callable[[list[Standing]], str],
                seconds_per_page: float) -> None:
    """The standings in up to two columns of `ROWS_PER_COLUMN`, as tables made by `markdown(rows)`."""
    shown, page, pages = page_of(rows, time.time(), seconds_per_page)
    with st.container(key="projector_rows"):
        columns = st.columns(COLUMNS, gap="large")
        for column, start in zip(columns, range(0, len(shown), ROWS_PER_COLUMN), strict=False):
            with column:
                st.markdown(markdown(shown[start:start + ROWS_PER_COLUMN]))
    if pages > 1:
        st.caption(f"Page {page} of {pages} — the next one shows in a few seconds.")
