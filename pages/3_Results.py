"""Results: every run of this student, newest first — accuracy, curves, confusion matrix, downloads."""

import streamlit as st

from cnnlab.lab import running_lab
from cnnlab.ui import class_notices, results_view, session

owner = session.start_page("Results")
class_notices.render_class_notices(owner)
snapshots = running_lab().jobs.jobs(owner)

st.title("Results")
session.show_flashes()
if not snapshots:
    st.info("No runs yet: train a stack and it will be listed here, newest first.")
    session.link(session.Page.TRAIN, "Go to Train", ":material/model_training:", owner)
    st.stop()

st.table(results_view.runs_table(snapshots), hide_index=True)
results_view.render_run(owner, results_view.pick_run(snapshots))
