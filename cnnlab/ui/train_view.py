"""The Train page's parts: the hyperparameter form, the live job panel (redrawn each second), the last run."""

from __future__ import annotations

import streamlit as st

from cnnlab.core import hyper
from cnnlab.core.arithmetic import Trainability, analyze
from cnnlab.core.hyper import parse_train_config
from cnnlab.core.text import plain
from cnnlab.engine import jobs
from cnnlab.engine.drafts import current_stack
from cnnlab.engine.jobs import JobManager, JobSnapshot, JobState
from cnnlab.ui import train_settings
from cnnlab.ui.job_view import (
    STATE_WORDS,
    accuracy_text,
    config_text,
    progress,
    progress_text,
    render_curves,
    render_downloads,
    submit_job,
)
from cnnlab.ui.session import Level, flash
from cnnlab.ui.train_settings import DEFAULTS


def live_job(snapshots: list[JobSnapshot]) -> JobSnapshot | None:
    """The owner's newest job that is still waiting or training, if any."""
    return next((s for s in snapshots if not s.state.is_final), None)


def render_trainability(check: Trainability) -> bool:
    """Say what will be trained, or why the stack cannot be; True when it can."""
    analysis, problems = check.analysis, check.problems
    if problems:
        st.error("Your stack cannot be trained yet — fix it on the Build page:\n\n"
                 + "\n".join(f"- {plain(problem)}" for problem in problems), icon=":material/error:")
        return False
    st.success(plain(f"Ready to train {analysis.name or 'your stack'}: {len(analysis.layers)} layers, "
                     f"{analysis.total_params:,} parameters."), icon=":material/check_circle:")
    return True


def _submit(manager: JobManager, owner: str) -> None:
    analysis = analyze(current_stack(owner))  # the stack as it is now, even if another tab just changed it
    config, problems = parse_train_config(train_settings.form_values())
    if config is None:
        for problem in problems:
            flash(Level.error, plain(problem))
        return
    if submit_job(manager, owner, analysis.spec, config, analysis.name or "stack"):
        flash(Level.success, "Job submitted: it trains a copy of your stack as it is now, so you can keep "
                             "editing on Build.")


def render_form(manager: JobManager, owner: str, can_train: bool) -> None:
    """Hyperparameters (a class demo's defaults, or the recipe of the preset just opened on Build) and the
    Train button."""
    suggestion = train_settings.prepare_form()
    if suggestion is not None and suggestion.preset_title is not None:
        st.info(plain(f"Filled in the training settings of the preset {suggestion.preset_title}: "
                      f"{config_text(suggestion.config)}. Change any of them before you train."),
                icon=":material/tune:")
    with st.form("train_form", border=True):
        epochs, batch, optimizer, rate = st.columns(4)
        epochs.number_input("Epochs", 1, hyper.MAX_EPOCHS, key="train_epochs",
                            help=f"Passes over the training images (1–{hyper.MAX_EPOCHS}); the reference "
                                 "used 5.")
        batch.number_input("Batch size", hyper.MIN_BATCH_SIZE, hyper.MAX_BATCH_SIZE, key="train_batch_size",
                           help=f"Images per weight update ({hyper.MIN_BATCH_SIZE}–"
                                f"{hyper.MAX_BATCH_SIZE:,}); the reference used 128.")
        optimizer.selectbox("Optimizer", [str(o) for o in hyper.Optimizer], key="train_optimizer",
                            help="How the weights are updated; the reference used rmsprop (here it steps as "
                                 "the reference's Keras 2 did: epsilon added after the square root).")
        rate.number_input("Learning rate", 0.00001, hyper.MAX_LEARNING_RATE, step=0.0001,
                          format="%.5f", key="train_learning_rate",
                          help="Size of each update (Keras default 0.001).")
        size, split, seed = st.columns(3)
        size.number_input("Training images", hyper.MIN_TRAIN_SIZE, hyper.MAX_TRAIN_SIZE, step=1000,
                          key="train_train_size",
                          help=f"How many of MNIST's {hyper.MAX_TRAIN_SIZE:,} training images to use. "
                               f"{DEFAULTS.train_size:,} is a class demo; the reference used all of them.")
        split.number_input("Validation split", 0.0, hyper.MAX_VALIDATION_SPLIT, step=0.05,
                           key="train_validation_split",
                           help="Fraction of the training images held out to watch for overfitting.")
        seed.number_input("Seed", 0, hyper.MAX_SEED, key="train_seed",
                          help="Same seed, same starting weights and shuffling: the run can be repeated.")
        train_settings.render_optional_settings()
        st.form_submit_button("Train", type="primary", icon=":material/play_arrow:", disabled=not can_train,
                              key="train_submit", on_click=_submit, args=(manager, owner))
    limits = manager.limits
    st.caption(f"Caps: {hyper.MAX_EPOCHS} epochs, {hyper.MAX_TRAIN_SIZE:,} training images, "
               f"{limits.max_params:,} parameters per job, {limits.max_queued_per_owner} waiting job per "
               f"student and {limits.max_queued} in the whole queue. Jobs run {limits.max_running} at a "
               "time; the rest wait their turn.")


def _stop(manager: JobManager, owner: str, job_id: str) -> None:
    if not manager.stop(job_id, owner):
        flash(Level.info, "That job had already ended.")


@st.fragment(run_every=1)
def live_panel(owner: str, job_id: str) -> None:
    """The running job, redrawn every second without reloading the page; reruns the page once it ends."""
    manager = jobs.get_manager()
    snapshot = manager.snapshot(job_id, owner)
    if snapshot is None or snapshot.state.is_final:
        st.rerun()
    st.subheader(plain(f"{snapshot.name}: {STATE_WORDS[snapshot.state]}"))
    st.caption(plain(" · ".join(filter(None, (config_text(snapshot.config), snapshot.message)))))
    st.progress(progress(snapshot), text=progress_text(snapshot))
    render_curves(snapshot, key="train_live_curves")
    st.button("Stop", key="train_stop", icon=":material/stop:", disabled=snapshot.state == JobState.STOPPING,
              on_click=_stop, args=(manager, owner, job_id),
              help="Ends training after the current batch; the model trained so far is tested and kept.")


def render_last_run(manager: JobManager, owner: str, snapshot: JobSnapshot) -> None:
    """The newest finished, stopped or failed job: outcome, curves and downloads (outside any fragment)."""
    st.subheader(plain(f"Last run: {snapshot.name} — {STATE_WORDS[snapshot.state]}"))
    if snapshot.state in (JobState.FAILED, JobState.INTERRUPTED):
        st.error(plain(f"This run {STATE_WORDS[snapshot.state]}: {snapshot.message}"),
                 icon=":material/error:")
    elif snapshot.test_accuracy is not None:
        st.metric("Test accuracy", accuracy_text(snapshot.test_accuracy),
                  help="Share of MNIST's 10,000 test images (never seen in training) read correctly.")
    render_curves(snapshot, key="train_last_curves")
    render_downloads(manager, owner, snapshot, key="train_download")
