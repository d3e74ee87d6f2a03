"""Train: pick a dataset and hyperparameters, train the current stack, and watch the curves grow live."""

import streamlit as st

from cnnlab.core.arithmetic import trainability
from cnnlab.lab import running_lab
from cnnlab.ui import challenge_view, class_notices, lesson_banner, session, train_press, train_view

owner = session.start_page("Train")
class_notices.render_class_notices(owner)
lab = running_lab()
manager = lab.jobs
check = trainability(lab.drafts.current(owner))
snapshots = manager.jobs(owner)

st.title("Train")
st.caption("Train your stack on MNIST's handwritten digits or on Fashion-MNIST's clothes. The job trains a "
           "copy of the stack as it is when you press Train, and keeps running if you close or reload this "
           "page.")
session.show_flashes()
lesson_banner.render_train_banner(owner)
train_view.render_trainability(check)
start = train_view.form_start(owner)  # first: a preset just opened clears the form
locked = challenge_view.fill_train_form(lab.classroom.challenges.active())
train_view.render_form(manager, owner, start, locked)

live = train_view.live_job(snapshots)
if live is not None:
    train_view.live_panel(owner, live.job_id)
    train_press.scroll_to_live()
elif snapshots:
    train_view.render_last_run(manager, owner, snapshots[0])

if snapshots:
    session.link(session.Page.RESULTS, "All your runs on Results", ":material/insights:", owner)
