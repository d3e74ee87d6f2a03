"""The Train page's parts: the hyperparameter form, the live job panel (redrawn each second), the last run."""

from __future__ import annotations

import contextlib
import dataclasses
import time

import streamlit as st

from cnnlab.core import hyper
from cnnlab.core.arithmetic import Trainability, analyze
from cnnlab.core.datasets import Dataset
from cnnlab.core.hyper import TrainConfig, config_to_dict, parse_train_config
from cnnlab.core.text import duration, plain
from cnnlab.engine.estimate import MAX_BATCH_SECONDS
from cnnlab.engine.jobs import JobKind, JobManager, JobSnapshot, JobState
from cnnlab.engine.storage import size_text
from cnnlab.lab import running_lab
from cnnlab.ui import run_actions, train_press, train_settings
from cnnlab.ui.job_view import (
    STATE_WORDS,
    config_text,
    progress,
    progress_text,
    render_curves,
    render_downloads,
    render_ending,
    render_hint,
    score_text,
    submit_job,
    test_accuracy_help,
)
from cnnlab.ui.session import Level, flash
from cnnlab.ui.train_settings import DEFAULTS

LAST_SUBMIT_KEY = "train_last_submit"
START_KEY = "train_start"  # the settings the form started from in this session
DOUBLE_CLICK_S = 3.0  # the same stack and settings submitted again this soon is one press, not two


def live_job(snapshots: list[JobSnapshot]) -> JobSnapshot | None:
    """The owner's newest job that is still waiting or training, if any."""
    return next((s for s in snapshots if not s.state.is_final), None)


def render_trainability(check: Trainability) -> None:
    """Every problem that keeps the stack from training, listed (Train's button says whether it is ready)."""
    if check.problems:
        st.error("Your stack cannot be trained yet — fix it on the Build page:\n\n"
                 + "\n".join(f"- {plain(problem)}" for problem in check.problems), icon=":material/error:")


def form_config() -> tuple[TrainConfig | None, tuple[str, ...]]:
    """The settings in the form now, checked: (config, ()) or (None, the problems); settings the optimizer
    or schedule does not use are left out."""
    return parse_train_config(train_settings.form_values())


def _submit(manager: JobManager, owner: str) -> None:
    # the stack as it is now, even if another tab just changed it
    analysis = analyze(running_lab().drafts.current(owner))
    config, problems = form_config()
    if config is None:
        for problem in problems:
            flash(Level.error, plain(problem))
        return
    press = (repr(analysis.spec), config)
    last_press, last_time = st.session_state.get(LAST_SUBMIT_KEY, (None, 0.0))
    if press == last_press and time.monotonic() - last_time < DOUBLE_CLICK_S:
        return  # the second click of a double click: the job it asked for is already queued
    _remember(owner)
    if submit_job(manager, owner, analysis.spec, config, analysis.name or "stack"):
        st.session_state[LAST_SUBMIT_KEY] = (press, time.monotonic())
        st.session_state[train_press.SCROLL_TO_LIVE] = True
        flash(Level.success, "Job submitted: it trains a copy of your stack as it is now, so you can keep "
                             "editing on Build.")


def form_start(owner: str) -> TrainConfig:
    """What the form starts from: the recipe of the preset just opened on Build (on the dataset the student
    was using: a preset means the same on either), else the student's last settings (kept on the server), else
    the defaults.

    Read once per session (and once per opened preset), so the widgets keep their identity while the student
    changes them. Call it before anything else puts values in the form (a challenge's): opening a preset
    clears the form's fields.
    """
    in_use = st.session_state.get(train_settings.key("dataset"))
    suggestion = train_settings.take_suggestion()
    if suggestion is not None:
        saved, _ = parse_train_config(running_lab().drafts.load_settings(owner) or {})
        dataset = Dataset(in_use) if in_use in set(Dataset) else (saved or DEFAULTS).dataset
        start = st.session_state[START_KEY] = dataclasses.replace(suggestion.config, dataset=dataset)
        if suggestion.preset_title is not None:
            st.info(plain(f"Filled in the training settings of the preset {suggestion.preset_title}: "
                          f"{config_text(start)}. Change any of them before you train."),
                    icon=":material/tune:")
    if START_KEY not in st.session_state:
        saved = running_lab().drafts.load_settings(owner)
        config = parse_train_config(saved)[0] if saved is not None else None
        st.session_state[START_KEY] = config or DEFAULTS
    return st.session_state[START_KEY]


def _remember(owner: str) -> None:
    """Keep the settings in the form as the student's last ones (a failing disk only loses that memory)."""
    config, _ = form_config()
    if config is not None:
        with contextlib.suppress(OSError):
            running_lab().drafts.save_settings(owner, config_to_dict(config))


def render_form(manager: JobManager, owner: str, start: TrainConfig,
                locked: frozenset[str] = frozenset()) -> None:
    """Hyperparameters from `start` (see `form_start`), or from values already put in the form, and the
    Train button, checked before the press (`train_press`); the `locked` settings (a challenge's) show their
    value and cannot be changed."""
    remember = {"on_change": _remember, "args": (owner,)}
    with st.container(border=True, key="train_form"):  # not st.form: the estimate follows every change
        st.selectbox("Dataset", [str(d) for d in Dataset], key="train_dataset",
                     index=list(Dataset).index(start.dataset), format_func=lambda name: Dataset(name).title,
                     disabled="dataset" in locked, **remember,
                     help="What the stack learns from and is tested on: handwritten digits, or Zalando's "
                          "photos of ten kinds of clothes. Same 28×28 grey images and ten classes, so every "
                          "stack fits both; the clothes are harder, so architecture shows more.")
        epochs, batch, optimizer, rate = st.columns(4)
        epochs.number_input("Epochs", 1, hyper.MAX_EPOCHS, start.epochs, key="train_epochs", **remember,
                            help=f"Passes over the training images (1–{hyper.MAX_EPOCHS}); the reference "
                                 "used 5.")
        batch.number_input("Batch size", hyper.MIN_BATCH_SIZE, hyper.MAX_BATCH_SIZE, start.batch_size,
                           key="train_batch_size", disabled="batch_size" in locked, **remember,
                           help=f"Images per weight update ({hyper.MIN_BATCH_SIZE}–"
                                f"{hyper.MAX_BATCH_SIZE:,}); the reference used 128.")
        optimizer.selectbox("Optimizer", [str(o) for o in hyper.Optimizer], key="train_optimizer",
                            index=list(hyper.Optimizer).index(start.optimizer),
                            disabled="optimizer" in locked, **remember,
                            help="How the weights are updated; the reference used rmsprop (here it steps as "
                                 "the reference's Keras 2 did: epsilon added after the square root).")
        rate.number_input("Learning rate", 0.00001, hyper.MAX_LEARNING_RATE, start.learning_rate,
                          step=0.0001, format="%.5f", key="train_learning_rate",
                          disabled="learning_rate" in locked, **remember,
                          help="Size of each update (Keras default 0.001).")
        size, split, seed = st.columns(3)
        size.number_input("Training images", hyper.MIN_TRAIN_SIZE, hyper.MAX_TRAIN_SIZE, start.train_size,
                          step=1000, key="train_train_size", **remember,
                          help=f"How many of the dataset's {hyper.MAX_TRAIN_SIZE:,} training images to use. "
                               f"{DEFAULTS.train_size:,} is a class demo; the reference used all of them.")
        split.number_input("Validation split", 0.0, hyper.MAX_VALIDATION_SPLIT, start.validation_split,
                           step=0.05, key="train_validation_split", **remember,
                           help="Fraction of the training images held out to watch for overfitting.")
        seed.number_input("Seed", 0, hyper.MAX_SEED, start.seed, key="train_seed", disabled="seed" in locked,
                          **remember,
                          help="Same seed, same starting weights and shuffling: the run can be repeated.")
        train_settings.render_optional_settings(start, remember)
        train_press.render_press(manager, owner, form_config(), _submit)
    limits = manager.limits
    st.caption(f"Caps: {hyper.MAX_EPOCHS} epochs, {hyper.MAX_TRAIN_SIZE:,} training images, "
               f"{limits.max_params:,} parameters per job, {limits.max_queued_per_owner} waiting job per "
               f"student (and per browser) and {limits.max_queued} in the whole queue, "
               f"{duration(limits.max_job_seconds)} per job and {MAX_BATCH_SECONDS:g} s per batch "
               f"(estimated, so Stop answers within seconds), {size_text(limits.max_student_bytes)} of run "
               f"files per student and {size_text(limits.max_class_bytes)} for the class. Jobs run "
               f"{limits.max_running} at a time; the rest wait their turn, taking turns between students.")


def _stop(manager: JobManager, owner: str, job_id: str) -> None:
    if not manager.stop(job_id, owner):
        flash(Level.info, "That job had already ended.")


@st.fragment(run_every=1)
def live_panel(owner: str, job_id: str) -> None:
    """The running job, redrawn every second without reloading the page; reruns the page once it ends."""
    manager = running_lab().jobs
    snapshot = manager.snapshot(job_id, owner)
    if snapshot is None or snapshot.state.is_final:
        st.rerun()
    with st.container(key="train_live"):
        _live(manager, owner, snapshot)


def _live(manager: JobManager, owner: str, snapshot: JobSnapshot) -> None:
    """The live job's heading, settings, progress, curves and Stop."""
    job_id = snapshot.job_id
    words = "finishing its test" if snapshot.kind is JobKind.TEST else STATE_WORDS[snapshot.state]
    st.subheader(plain(f"{snapshot.name}: {words}"))
    st.caption(plain(" · ".join(filter(None, (config_text(snapshot.config), snapshot.message)))))
    st.progress(progress(snapshot), text=progress_text(snapshot))
    render_curves(snapshot, key="train_live_curves")
    st.button("Stop", key="train_stop", icon=":material/stop:", disabled=snapshot.state == JobState.STOPPING,
              on_click=_stop, args=(manager, owner, job_id),
              help="Ends training after the current batch; the model trained so far is tested and kept.")


def render_last_run(manager: JobManager, owner: str, snapshot: JobSnapshot) -> None:
    """The newest finished, stopped or failed job: outcome, curves and downloads (outside any fragment)."""
    st.subheader(plain(f"Last run: {snapshot.name} — {STATE_WORDS[snapshot.state]}"))
    render_ending(snapshot)
    render_hint(snapshot)
    if snapshot.test_accuracy is not None:
        st.metric("Test accuracy", score_text(snapshot), help=test_accuracy_help(snapshot.config))
    run_actions.render_partial_score(owner, snapshot)
    render_curves(snapshot, key="train_last_curves")
    render_downloads(manager, owner, snapshot, key="train_download")
