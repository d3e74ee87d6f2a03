"""What a student can do with one of their ended runs: finish the test of a run stopped while testing (so its
score is whole and ranks; on Results and Train's last run), and, on Results, delete a run for good (with a
confirmation) to make room in their storage budget, which is shown beside."""

from __future__ import annotations

import streamlit as st

from cnnlab.core.text import plain
from cnnlab.engine.jobs import JobRefused, JobSnapshot
from cnnlab.engine.scores import is_whole, scored_on, test_set_size
from cnnlab.engine.storage import size_text
from cnnlab.engine.store import ModelFormat
from cnnlab.lab import running_lab
from cnnlab.ui.session import Level, flash

CONFIRM_KEY = "results_confirm_delete"  # the run whose deletion waits for a yes


def render_partial_score(owner: str, snapshot: JobSnapshot) -> None:
    """For an ended run scored on only some test images: what that means, and "Finish testing"."""
    if (not snapshot.state.is_final or snapshot.test_accuracy is None
            or is_whole(snapshot.tested_images, snapshot.config)):
        return
    tested = snapshot.tested_images or 0
    st.info(plain(f"This score covers {scored_on(tested, snapshot.config)}: the first test images are easier "
                  "than the rest, so it is not comparable with whole scores and stays off the leaderboard. "
                  "Finish testing scores the other "
                  f"{test_set_size(snapshot.config) - tested:,} in the queue; the run then ranks as usual."),
            icon=":material/rule:")
    has_model = running_lab().jobs.model_file(snapshot.job_id, owner, ModelFormat.H5) is not None
    st.button("Finish testing", key=f"finish_testing_{snapshot.job_id}", icon=":material/fact_check:",
              on_click=_finish_testing, args=(owner, snapshot), disabled=not has_model,
              help="Scores the model on the test images it has not seen yet, in a training worker.")


def _finish_testing(owner: str, snapshot: JobSnapshot) -> None:
    try:
        queued = running_lab().jobs.finish_testing(snapshot.job_id, owner)
    except JobRefused as refusal:
        flash(Level.error, plain(f"Not started: {refusal}."))
        return
    if queued:
        flash(Level.success, plain(f"{snapshot.name}: its testing goes on in the queue; follow it on Train."))
    else:
        flash(Level.info, "That run's testing could not be finished (it is running, or its model is gone).")


def render_delete(owner: str, snapshot: JobSnapshot) -> None:
    """Delete this run… then, asked once more, delete it for good (its files, and its row everywhere)."""
    if not snapshot.state.is_final:
        return
    if st.session_state.get(CONFIRM_KEY) != snapshot.job_id:
        st.button("Delete this run…", key=f"results_delete_{snapshot.job_id}", icon=":material/delete:",
                  on_click=_ask, args=(snapshot.job_id,),
                  help="Frees its space in your storage budget; asks you once more first.")
        return
    st.warning(plain(f"Delete {snapshot.name} for good? Its model files, curves and test results go, and "
                     "your teacher's exports no longer list it. This cannot be undone."),
               icon=":material/delete_forever:")
    yes, no = st.columns(2)
    yes.button("Delete it for good", key=f"results_delete_yes_{snapshot.job_id}", type="primary",
               on_click=_delete, args=(owner, snapshot))
    no.button("Keep it", key=f"results_delete_no_{snapshot.job_id}", on_click=_ask, args=(None,))


def _ask(job_id: str | None) -> None:
    st.session_state[CONFIRM_KEY] = job_id


def _delete(owner: str, snapshot: JobSnapshot) -> None:
    st.session_state[CONFIRM_KEY] = None
    try:
        deleted = running_lab().jobs.delete(snapshot.job_id, owner)
    except OSError as error:  # the disk refused: nothing was lost, the run is still listed
        reason = type(error).__name__
        flash(Level.error, plain(f"{snapshot.name} could not be deleted ({reason}); try again."))
        return
    if deleted:
        flash(Level.success, plain(f"Deleted {snapshot.name}."))
    else:
        flash(Level.info, "That run is running again or already gone.")


def render_storage(owner: str) -> None:
    """How much of the student's storage budget their runs hold."""
    lab = running_lab()
    limits = lab.jobs.limits
    st.caption(plain(f"Your runs hold {size_text(lab.store.usage(owner))} of the "
                     f"{size_text(limits.max_student_bytes)} each student may keep; delete old runs to make "
                     "room for new ones."))
