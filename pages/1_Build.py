"""Build: stack layers and see every output shape, parameter count and the arithmetic behind it.

The parts that show the stack are fragments (`cnnlab.ui.build_parts`): a change in Add or Edit reruns only
them, not the whole page.
"""

import streamlit as st

from cnnlab.core.layer_types.conv2d import MAX_FILTERS
from cnnlab.core.layer_types.dense import MAX_UNITS
from cnnlab.core.layers import MAX_LAYERS, MAX_PARAMS
from cnnlab.ui import build_parts, class_notices, editor, files, lesson_banner, links, session, shown_stack

owner = session.start_page("Build")
class_notices.render_class_notices(owner)
links.open_from_link(owner)
shown = shown_stack.read_stack(owner)

st.title("Build")
st.caption(f"Stack layers from the input image down to 10 digit probabilities. Every change recomputes the "
           f"shapes and parameters at once. Caps: {MAX_LAYERS} layers, {MAX_PARAMS:,} parameters, "
           f"{MAX_FILTERS:,} filters per Conv2D, {MAX_UNITS:,} units per Dense.")
editor.render_bring_back(owner)
lesson_banner.render_build_banner(owner)
editor.render_name_and_input(owner, shown.stack)
build_parts.render_stack(owner)

add_column, edit_column = st.columns(2, border=True)
with add_column, st.container(key="build_add_section"):
    st.subheader("Add a layer")
    build_parts.render_add(owner)
with edit_column, st.container(key="build_edit_section"):
    st.subheader("Edit a layer")
    build_parts.render_edit(owner)
with st.container(border=True, key="build_explain_section"):
    build_parts.render_explainer(owner)
build_parts.render_picture(owner)

presets_column, files_column = st.columns(2, border=True)
with presets_column:
    st.subheader("Presets")
    editor.render_presets(owner)
with files_column:
    st.subheader("Share and files")
    build_parts.render_files(owner)
    files.render_upload(owner)

session.link(session.Page.TRAIN, "Train this stack", ":material/arrow_forward:", owner)
