"""Files on the Build page: the Share link, the stack as JSON, its Keras code, opening a spec or model."""

from __future__ import annotations

import json

import streamlit as st

from cnnlab.bridge.code import keras_code
from cnnlab.bridge.modelfile import HDF5_SIGNATURE, ZIP_SIGNATURE, read_model_file
from cnnlab.core.arithmetic import Analysis
from cnnlab.core.layers import MAX_SPEC_BYTES
from cnnlab.core.messages import SpecError, show_value
from cnnlab.core.spec_json import decode_spec_json
from cnnlab.core.stack_doc import Stack, StackRefused, stack_from_json
from cnnlab.core.text import plain
from cnnlab.engine.paths import file_stem
from cnnlab.ui import links
from cnnlab.ui.editor import replace_stack
from cnnlab.ui.session import Level, flash

MAX_UPLOAD_MB = 25
MODEL_SUFFIXES = (".h5", ".keras")
UPLOAD_ROUND = "build_upload_round"


def render_share(analysis: Analysis) -> None:
    """The Share button: a link that opens this architecture on anyone's Build page."""
    with st.popover("Share", icon=":material/share:"):
        if analysis.spec is None:
            st.info("Fix the problems above first: a Share link carries a stack that works.")
            return
        link = links.share_link(analysis.spec)
        if link is None:
            st.info(f"This stack is too big for a link (links stay under {links.MAX_LINK_CHARS:,} characters "
                    "so that every browser and the server accept them): share its JSON file instead — "
                    "**Download the stack (JSON)** below; anyone can open it with the upload box.")
            return
        st.caption("Anyone who opens this link gets a copy of this architecture on their Build page — "
                   "nothing of your runs or your identity.")
        st.code(link, language=None, wrap_lines=True)


def render_downloads(stack: Stack, analysis: Analysis) -> None:
    """Download the stack as JSON (also while it has problems), and its Keras code once it has none."""
    stem = file_stem(analysis.name, "stack")
    st.download_button("Download the stack (JSON)", json.dumps(stack, indent=2, ensure_ascii=False),
                       file_name=f"{stem}.json", mime="application/json", key="build_download_json",
                       on_click="ignore", icon=":material/download:")
    with st.expander("Keras code", icon=":material/code:"):
        if analysis.spec is None:
            st.info("The Keras code appears once the stack has no problems.")
            return
        code = keras_code(analysis.spec)
        st.code(code, language="python")
        st.download_button("Download the Keras code (.py)", code, file_name=f"{stem}.py",
                           mime="text/x-python", key="build_download_code", on_click="ignore",
                           icon=":material/download:")


def _read_upload(name: str, data: bytes) -> object:
    """The JSON document inside an uploaded spec or model file; raises SpecError with the reason."""
    if name.lower().endswith(MODEL_SUFFIXES) or data.startswith((HDF5_SIGNATURE, ZIP_SIGNATURE)):
        return read_model_file(data, name)
    return decode_spec_json(data, source=show_value(name))


def _open_upload(owner: str, key: str) -> None:
    upload = st.session_state.get(key)
    st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1  # a fresh, empty uploader
    if upload is None:
        return
    try:
        stack, notes = stack_from_json(_read_upload(upload.name, upload.getvalue()))
    except (SpecError, StackRefused) as error:
        flash(Level.error, plain(f"{show_value(upload.name)} could not be opened: {error}. Your stack is "
                                 "unchanged."))
        return
    replace_stack(owner, stack, plain(f"Opened {show_value(upload.name)}."))
    for note in notes:
        flash(Level.warning, plain(f"{show_value(upload.name)}: {note}."))


def render_upload(owner: str) -> None:
    """Open a spec JSON, or a .h5 / .keras model file: its architecture is read, never its code.

    No `type=` filter: Streamlit's own file-name check raises inside the widget, before this page could
    answer, so any file is accepted here and `_read_upload` tells the formats apart by content, giving one
    clear message for everything else.
    """
    key = f"build_upload_{st.session_state.get(UPLOAD_ROUND, 0)}"
    st.file_uploader(
        "Open a spec (.json) or model file (.h5, .keras)", key=key, on_change=_open_upload,
        args=(owner, key), max_upload_size=MAX_UPLOAD_MB,
        help=(f"A stack saved as JSON (up to {MAX_SPEC_BYTES // 1_000_000} MB), or a Keras model file "
              f"(.h5 or .keras, up to {MAX_UPLOAD_MB} MB) from here or any Keras Sequential CNN. Only the "
              "architecture is read; layers that run custom code (Lambda, custom objects) are refused."),
    )
