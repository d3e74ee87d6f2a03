"""A button that asks first: one tap opens a small panel that says what will happen, a second tap on its
own button does it. For the teacher's actions that cannot be taken back (Stop, Cancel, End the challenge),
so a tap that lands on the wrong row, or a row that moved, does nothing by itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st


def confirmed_button(label: str, *, key: str, question: str, yes: str, on_confirm: Callable[..., None],
                     args: tuple[Any, ...] = (), icon: str | None = None, disabled: bool = False) -> None:
    """`label` opens a panel with `question` (Markdown, already escaped) and a `yes` button whose key is
    `key`, which calls `on_confirm(*args)`; the panel closes when the page reruns."""
    with st.popover(label, icon=icon, disabled=disabled, key=f"{key}_ask"):
        st.markdown(question)
        st.button(yes, key=key, type="primary", on_click=on_confirm, args=args)
