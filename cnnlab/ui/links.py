"""Stacks in links: `/Build?preset=NAME` and `/Build?spec=<URL-safe base64 JSON>` open a stack.

A link is applied once and then removed from the address bar, so a refresh keeps the student's later edits.
A Share link carries only the architecture: never the `u=` owner token, never anything of the author's runs.
"""

from __future__ import annotations

import streamlit as st

from cnnlab.core.layers import NetworkSpec
from cnnlab.core.messages import SpecError, show_value
from cnnlab.core.presets import PRESETS
from cnnlab.core.spec_json import decode_spec_from_url, encode_spec_for_url
from cnnlab.core.stack_doc import StackRefused, stack_from_json
from cnnlab.core.text import plain
from cnnlab.ui.editor import open_preset, replace_stack
from cnnlab.ui.session import Level, flash

SPEC_PARAM = "spec"
MAX_LINK_CHARS = 16_000  # far below the server's limit: it took 100,000 characters and refused 131,000
PRESET_PARAM = "preset"


def _open_spec(owner: str, text: str) -> None:
    try:
        stack, notes = stack_from_json(decode_spec_from_url(text))
    except (SpecError, StackRefused) as error:
        flash(Level.error, plain(f"This link's stack could not be opened: {error}. Your own stack is "
                                 "unchanged; ask for the Share link again and copy all of it."))
        return
    replace_stack(owner, stack, "Opened the stack from the link.")
    for note in notes:
        flash(Level.warning, plain(f"The link's stack: {note}."))


def _open_preset(owner: str, name: str) -> None:
    if name not in PRESETS:
        flash(Level.error, plain(f"There is no preset called {show_value(name)}; the presets are "
                                 f"{', '.join(PRESETS)}. Your own stack is unchanged."))
        return
    open_preset(owner, name)


def open_from_link(owner: str) -> None:
    """Apply `?spec=` (or else `?preset=`) once, then drop both from the URL. Bad values become messages."""
    spec_text = st.query_params.get(SPEC_PARAM)
    preset_name = st.query_params.get(PRESET_PARAM)
    for param in (SPEC_PARAM, PRESET_PARAM):
        st.query_params.pop(param, None)
    if spec_text is not None:
        _open_spec(owner, spec_text)
        if preset_name is not None:
            flash(Level.warning, "The link had both a spec and a preset; the spec was opened.")
    elif preset_name is not None:
        _open_preset(owner, preset_name)


def share_link(spec: NetworkSpec) -> str | None:
    """The address of this Build page with only `?spec=…` (relative when the browser's URL is unknown), or
    None when it would be longer than `MAX_LINK_CHARS` (share the JSON file instead)."""
    page_url = st.context.url or "/Build"
    link = f"{page_url}?{SPEC_PARAM}={encode_spec_for_url(spec)}"
    return link if len(link) <= MAX_LINK_CHARS else None
