"""CNN Lab home: what the lab does, and one click to start building."""

import streamlit as st

from cnnlab.core.presets import PRESETS
from cnnlab.core.stack_doc import empty_stack
from cnnlab.core.text import plain
from cnnlab.ui import class_notices, session
from cnnlab.ui.editor import open_preset, replace_stack

STARTS = (("convnet", "Start from the convnet", ":material/grid_view:"),
          ("lenot", "Start from LeNot", ":material/history_edu:"))

owner = session.start_page("Home")
class_notices.render_class_notices(owner)

st.title("CNN Lab")
st.markdown(
    "Stack **Conv**, **Pool** and **Dense** layers and watch what each one does to the image: its output "
    "shape and its parameters, with the arithmetic written out — `32 × (3×3×16) + 32 = 4,640`. "
    "Then train your stack on the MNIST handwritten digits while the loss and accuracy curves grow, and "
    "download the trained model as a Keras `.h5` file."
)
st.markdown(
    "1. **Build** — add, edit and reorder layers; every number updates at once.\n"
    "2. **Train** — pick the hyperparameters and press Train; the curves grow live.\n"
    "3. **Results** — test accuracy, confusion matrix and downloads of every run you trained."
)

class_notices.render_name_input(owner, key=class_notices.HOME_NAME_KEY)

st.subheader("Start from")
columns = st.columns(len(STARTS) + 1)
for column, (name, label, icon) in zip(columns, STARTS, strict=False):
    preset = PRESETS[name]
    with column, st.container(border=True):
        st.markdown(f"**{plain(preset.title)}**")
        st.caption(preset.description)
        # one primary action on the page: the worked example's convnet
        kind = "primary" if name == STARTS[0][0] else "secondary"
        if st.button(label, key=f"home_start_{name}", icon=icon, type=kind):
            open_preset(owner, name)
            session.go_to(session.Page.BUILD, owner)
with columns[-1], st.container(border=True):
    st.markdown("**An empty stack**")
    st.caption("Start from the 28×28×1 input and add every layer yourself.")
    if st.button("Start empty", key="home_start_empty", icon=":material/add_box:"):
        replace_stack(owner, empty_stack(), "Started an empty stack.")
        session.go_to(session.Page.BUILD, owner)

st.caption("Your stack and your runs belong to this browser tab's address: bookmark it to find them again.")
