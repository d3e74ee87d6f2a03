"""A finished run's curves replayed on Results at the pace they were recorded (`cnnlab.insight.replay`):
a short class demo trains in seconds, so its curves were drawn live only a few times."""

from __future__ import annotations

import time

import streamlit as st

from cnnlab.engine.jobs import JobSnapshot
from cnnlab.insight import replay
from cnnlab.insight.charts import training_figure
from cnnlab.ui.job_view import render_curves

REPLAYS = "results_replays"  # run id → time.monotonic() when its replay started
FRAME_S = 0.25  # four frames a second


def _start(job_id: str) -> None:
    st.session_state.setdefault(REPLAYS, {})[job_id] = time.monotonic()


def render_curves_with_replay(snapshot: JobSnapshot, key: str) -> None:
    """The run's curves with a "Replay the curves" button, or the replay while it plays."""
    if snapshot.job_id in st.session_state.get(REPLAYS, {}):
        _replaying(snapshot, key)
        return
    render_curves(snapshot, key)
    if snapshot.state.is_final and snapshot.batch_points:
        st.button("Replay the curves", key=f"{key}_replay", icon=":material/replay:", on_click=_start,
                  args=(snapshot.job_id,), help="Draws the curves again as they grew, at the pace the run "
                                                "trained (a run of a few seconds is stretched to 2 s).")


@st.fragment(run_every=FRAME_S)
def _replaying(snapshot: JobSnapshot, key: str) -> None:
    """One frame of the replay; at its end the whole page is drawn again with the still curves."""
    started = st.session_state.get(REPLAYS, {}).get(snapshot.job_id)
    if started is None:
        return
    elapsed = time.monotonic() - started
    seconds = [epoch.seconds for epoch in snapshot.epochs_history]
    if replay.finished(seconds, snapshot.elapsed_s, elapsed):
        del st.session_state[REPLAYS][snapshot.job_id]
        st.rerun()
    last_x = snapshot.batch_points[-1][0]
    x = replay.position(seconds, last_x, snapshot.elapsed_s, elapsed)
    points = [point for point in snapshot.batch_points if point[0] <= x]
    epochs = [epoch for epoch in snapshot.epochs_history if epoch.epoch <= x]
    st.plotly_chart(training_figure(points, epochs, snapshot.epochs), key=f"{key}_replaying",
                    config={"displayModeBar": False})
    st.progress(min(1.0, x / last_x), text=f"Replaying at the recorded pace: epoch {x:.2f} of {last_x:g}")
