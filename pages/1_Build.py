"""Build: stack layers and see every output shape, parameter count and the arithmetic behind it."""

import streamlit as st

from cnnlab.core.arithmetic import analyze
from cnnlab.core.layers import MAX_FILTERS, MAX_LAYERS, MAX_PARAMS, MAX_UNITS
from cnnlab.core.stack_doc import layers_of
from cnnlab.engine.challenges import ChallengeStore
from cnnlab.engine.drafts import current_stack
from cnnlab.ui import challenge_view, class_notices, editor, files, links, session, stack_view

owner = session.start_page("Build")
class_notices.render_class_notices(owner)
links.open_from_link(owner)
stack = current_stack(owner)
analysis = analyze(stack)

st.title("Build")
st.caption(f"Stack layers from the input image down to 10 digit probabilities. Every change recomputes the "
           f"shapes and parameters at once. Caps: {MAX_LAYERS} layers, {MAX_PARAMS:,} parameters, "
           f"{MAX_FILTERS:,} filters per Conv2D, {MAX_UNITS:,} units per Dense.")
session.show_flashes()
editor.render_bring_back(owner)
editor.render_undo(owner)
challenge_view.render_stack_checks(ChallengeStore().active(), analysis)

editor.render_name_and_input(owner, stack)
stack_view.render_stack(analysis, layers_of(stack))

add_column, edit_column = st.columns(2, border=True)
with add_column, st.container(key="build_add_section"):
    st.subheader("Add a layer")
    editor.render_add(owner, stack)
with edit_column, st.container(key="build_edit_section"):
    st.subheader("Edit a layer")
    editor.render_edit(owner, stack)
stack_view.render_picture(analysis)

presets_column, files_column = st.columns(2, border=True)
with presets_column:
    st.subheader("Presets")
    editor.render_presets(owner)
with files_column:
    st.subheader("Share and files")
    files.render_share(analysis)
    files.render_downloads(stack, analysis)
    files.render_upload(owner)

session.link(session.Page.TRAIN, "Train this stack", ":material/arrow_forward:", owner)
