"""The teacher's dashboard: the class at a glance (refreshing itself), the queue with stop and cancel, the
challenge form, sharing a stack, renaming, hiding runs from the leaderboard, and the exports."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cnnlab.classroom.dashboard import StudentRow, class_rows, queue_order
from cnnlab.classroom.export import runs_csv
from cnnlab.classroom.leaderboard import standings
from cnnlab.classroom.presence import NEWCOMER_GRACE_S
from cnnlab.core.challenge import ChallengeScore, LockField, describe_limits, parse_challenge
from cnnlab.core.datasets import DEFAULT_DATASET, Dataset
from cnnlab.core.hyper import MAX_EPOCHS, MAX_TRAIN_SIZE, MIN_TRAIN_SIZE, Optimizer
from cnnlab.core.layer_types.registry import LAYER_TYPES
from cnnlab.core.layers import MAX_PARAMS
from cnnlab.core.presets import PRESETS
from cnnlab.core.stack_doc import stack_from_spec
from cnnlab.core.text import duration, plain
from cnnlab.engine.jobs import JobManager, JobSnapshot, JobState, Stopper
from cnnlab.engine.store import RunRecord
from cnnlab.lab import running_lab
from cnnlab.ui import downloads
from cnnlab.ui.confirm import confirmed_button
from cnnlab.ui.job_view import STATE_WORDS, accuracy_text
from cnnlab.ui.leaderboard_view import score_text
from cnnlab.ui.session import Level, flash, show_flashes

REFRESH_S = 5  # seconds between redraws: "every few seconds" at a small cost to the server
ALL_RUNS = 100_000
OWN_STACK = "my current Build stack"


def job_words(row: StudentRow) -> str:
    """A student's current job in words: "queued #2", "training · epoch 1/3 · 91.2 %", "failed: …"; a job
    on another dataset than MNIST says which: "finished · 89.12 % on Fashion-MNIST"."""
    job = row.job
    if job is None:
        return "no runs yet"
    on = "" if job.dataset is DEFAULT_DATASET else f" on {job.dataset.display_name}"
    if job.state == JobState.QUEUED:
        return f"queued #{job.queue_position}{on}"
    if job.state in (JobState.RUNNING, JobState.STOPPING):
        live = "" if job.accuracy is None else f" · {accuracy_text(job.accuracy)}"
        return f"{STATE_WORDS[job.state]} · epoch {max(job.epoch, 1)}/{job.epochs}{live}{on}"
    if job.state in (JobState.FAILED, JobState.INTERRUPTED):
        return f"{STATE_WORDS[job.state]}: {job.message}"
    finished = f"{STATE_WORDS[job.state]} · {accuracy_text(job.accuracy)}{on}"
    return " ".join(filter(None, (finished, job.partial)))


def _meets(row: StudentRow) -> str:
    return {None: "—", True: "yes", False: "no"}[row.meets_challenge]


def _class_table(rows: list[StudentRow]) -> list[dict[str, object]]:
    return [
        {
            "Student": row.name,
            "Stack parameters": "—" if row.stack_params is None else f"{row.stack_params:,}",
            "Meets challenge": _meets(row),
            "Runs": row.runs,
            "Best test accuracy": accuracy_text(row.best_accuracy),
            "Current job": job_words(row),
        }
        for row in rows
    ]


def _stop(manager: JobManager, snapshot: JobSnapshot) -> None:
    now = manager.snapshot(snapshot.job_id, snapshot.owner)
    if now is not None and snapshot.state == JobState.QUEUED and now.state != JobState.QUEUED:
        flash(Level.warning, plain(f"{snapshot.name} started training since your page was drawn, so it was "
                                   "not cancelled; press Stop if you mean to stop it."))
        return
    if manager.stop(snapshot.job_id, snapshot.owner, by=Stopper.TEACHER):
        word = "Cancelled" if snapshot.state == JobState.QUEUED else "Stopping"
        flash(Level.success, plain(f"{word}: {snapshot.name}."))
    else:
        flash(Level.info, "That job had already ended.")


def _queue(manager: JobManager, live: list[JobSnapshot], names: dict[str, str]) -> None:
    running, waiting = queue_order(live)
    eta = manager.queue_plan().empty_in_s if live else None
    summary = f"{len(running)} training, {len(waiting)} waiting"
    summary += f" · the queue should be empty in about {duration(eta)}" if eta is not None else ""
    st.markdown(f"**Queue:** {summary}")
    for snapshot in [*running, *waiting]:
        who, what, action = st.columns([2, 3, 1])
        who.write(plain(names.get(snapshot.owner, "a student")))
        place = (
            f"queued #{snapshot.queue_position}"
            if snapshot.state == JobState.QUEUED
            else f"{STATE_WORDS[snapshot.state]} · epoch {max(snapshot.epoch, 1)}/{snapshot.epochs}"
        )
        what.write(plain(f"{snapshot.name} — {place}"))
        with action:
            _confirmed_stop(manager, snapshot, names.get(snapshot.owner, "a student"))


def _confirmed_stop(manager: JobManager, snapshot: JobSnapshot, student: str) -> None:
    """Stop (a training job) or Cancel (a waiting one), each after a confirmation naming the student."""
    queued = snapshot.state == JobState.QUEUED
    question = (f"Cancel {student}'s waiting job {snapshot.name}? It never starts." if queued else
                f"Stop {student}'s job {snapshot.name} now? The model trained so far is tested and kept, "
                "and the student sees that you stopped it.")
    confirmed_button("Cancel" if queued else "Stop", key=f"teacher_stop_{snapshot.job_id}",
                     question=plain(question), yes="Yes, cancel it" if queued else "Yes, stop it",
                     on_confirm=_stop, args=(manager, snapshot), disabled=snapshot.state == JobState.STOPPING)


def class_glance() -> None:
    """The class at a glance and the queue; redrawn every few seconds without a full-page rerun."""

    @st.fragment(run_every=REFRESH_S)
    def _glance() -> None:
        lab = running_lab()
        students = lab.classroom.roster.students()
        live = lab.jobs.live_jobs()
        active = lab.classroom.challenges.active_challenge()
        rows = class_rows(students, lab.store.all_runs(ALL_RUNS), live, active, lab.drafts.current)
        show_flashes()
        st.subheader(f"The class: {len(rows)} student{'s' * (len(rows) != 1)}")
        idle = len(students) - len(rows)
        if idle:
            st.caption(f"Not listed: {idle} who opened CNN Lab more than {duration(NEWCOMER_GRACE_S)} ago "
                       "and have no name, stack or runs (they show again when they do something).")
        if rows:
            st.dataframe(_class_table(rows), hide_index=True, key="teacher_class_table")
        else:
            st.caption("Nobody has opened CNN Lab yet. Students open the server's address on their devices.")
        _queue(lab.jobs, live, {s.owner: s.name for s in students})

    _glance()


# ------------------------------------------------------------------------------------------ the challenge


def _set_challenge(drawn: int | None) -> None:
    state = st.session_state
    numbers = {
        "max_params": "teacher_max_params",
        "max_macs": "teacher_max_macs",
        "epochs": "teacher_epochs",
        "train_images": "teacher_train_images",
    }
    raw: dict[str, object] = {"title": state["teacher_title"], "text": state["teacher_text"]}
    raw |= {field: state[key] or None for field, key in numbers.items()}
    raw["layers"] = state["teacher_layers"] or None
    raw["dataset"] = state["teacher_dataset"]
    raw["score"] = state["teacher_score"]
    raw["locks"] = {
        str(field): state[f"teacher_lock_{field}_value"]
        for field in LockField
        if state[f"teacher_lock_{field}"]
    }
    challenge, problems = parse_challenge(raw)
    if challenge is None:
        for problem in problems:
            flash(Level.error, plain(f"Challenge not set: {problem}"))
        return
    challenges = running_lab().classroom.challenges
    if challenges.replace(challenge, drawn) is None:
        flash(Level.warning,
              plain(f"Challenge not set: {_changed_since(drawn)} Set yours again to replace it."))
        return
    flash(Level.success, plain(f"Challenge set: {challenge.title}. Every student page shows it now."))


def _changed_since(drawn: int | None) -> str:
    """What happened to the challenges since a page was drawn with the active challenge `drawn`."""
    active = running_lab().classroom.challenges.active()
    if active is None:
        return "the challenge your page showed was ended since (on another page); no challenge is active now."
    return f"another page set {active.challenge.title} since your page was drawn; it is the active one now."


def _end_challenge(drawn: int) -> None:
    ended = running_lab().classroom.challenges.end(drawn)
    if ended is None:
        flash(Level.warning, plain(f"Nothing was ended: {_changed_since(drawn)}"))
        return
    flash(Level.success, plain(f"Ended {ended.challenge.title}; its leaderboard is frozen."))


def render_challenge() -> None:
    """The active challenge and the form that sets a new one (ending the old), or ends it."""
    entry = running_lab().classroom.challenges.active()
    if entry is not None:
        limits = " · ".join(describe_limits(entry.challenge)) or "no limits"
        st.markdown(plain(f"Active: {entry.challenge.title} — {limits}"))
        confirmed_button(
            "End the challenge",
            key="teacher_end_challenge",
            icon=":material/flag:",
            on_confirm=_end_challenge,
            args=(entry.challenge_id,),
            question=plain(f"End {entry.challenge.title}? Its leaderboard freezes: runs that finish later do "
                           "not count."),
            yes="Yes, end it",
        )
    with st.form("teacher_challenge_form"):
        st.text_input("Title", key="teacher_title", placeholder="Small and sharp")
        st.text_input("Text", key="teacher_text", placeholder="≥ 98 % with at most 10,000 parameters")
        st.selectbox("Dataset", [str(d) for d in Dataset], key="teacher_dataset",
                     format_func=lambda name: Dataset(name).title,
                     help="Every run of the challenge trains and is ranked on it.")
        params, macs, epochs, images = st.columns(4)
        params.number_input("Max parameters", 0, MAX_PARAMS, 0, key="teacher_max_params", help="0: no limit")
        macs.number_input("Max MACs per image", 0, 10**12, 0, key="teacher_max_macs", help="0: no limit")
        epochs.number_input("Max epochs", 0, MAX_EPOCHS, 0, key="teacher_epochs", help="0: no limit")
        images.number_input(
            "Training images",
            0,
            MAX_TRAIN_SIZE,
            0,
            step=1000,
            key="teacher_train_images",
            help=f"Most training images per run ({MIN_TRAIN_SIZE}–{MAX_TRAIN_SIZE:,}); 0: no limit",
        )
        st.multiselect(
            "Allowed layer types",
            list(LAYER_TYPES),
            key="teacher_layers",
            help="Empty: every type allowed",
        )
        st.selectbox("Rank by", [str(score) for score in ChallengeScore], key="teacher_score",
                     format_func=lambda score: ChallengeScore(score).words.capitalize(),
                     help="Our class's handwriting: the digits students added on Predict; a run ranks once "
                          "it is scored on them (at the end of its training, or again from Results).")
        st.caption("Locked training settings (students see your value and cannot change it)")
        defaults = {LockField.learning_rate: 0.001, LockField.batch_size: 128, LockField.seed: 0}
        for field in LockField:
            lock, value = st.columns([1, 1], vertical_alignment="center")
            lock.checkbox(f"Lock {field.words}", key=f"teacher_lock_{field}")
            if field == LockField.optimizer:
                value.selectbox("Optimizer", [str(o) for o in Optimizer], key=f"teacher_lock_{field}_value",
                                index=list(Optimizer).index(Optimizer.ADAM), label_visibility="collapsed")
            else:
                value.number_input(field.words.capitalize(), value=defaults[field],
                                   key=f"teacher_lock_{field}_value", label_visibility="collapsed",
                                   format="%.5f" if field == LockField.learning_rate else None)
        st.form_submit_button("Set challenge", type="primary", key="teacher_set_challenge",
                              on_click=_set_challenge, args=(entry and entry.challenge_id,))


# --------------------------------------------------------------------------------- sharing and renaming


def _share(owner: str, drawn: int) -> None:
    lab = running_lab()
    choice = st.session_state["teacher_share_choice"]
    if choice == OWN_STACK:
        stack = lab.drafts.current(owner)
        title = stack.get("name") or "the teacher's stack"
    else:
        preset = PRESETS[choice]
        stack, title = stack_from_spec(preset.spec), preset.title
    share = lab.classroom.shares.share(str(title), stack, drawn)
    if share is None:
        latest = lab.classroom.shares.latest()
        flash(Level.warning, plain(f"Not shared: {latest.title} was shared with the class since your page "
                                   "was drawn (from another page). Press Share again to send yours instead."))
        return
    flash(
        Level.success,
        plain(f"Shared {share.title} with the class: every student sees it on their next page."),
    )


def render_share(owner: str) -> None:
    """Send a preset, or the teacher's own Build stack, to every student."""
    st.selectbox(
        "Stack to share",
        [*PRESETS, OWN_STACK],
        key="teacher_share_choice",
        format_func=lambda name: PRESETS[name].title if name in PRESETS else name,
    )
    latest = running_lab().classroom.shares.latest()
    st.button("Share with the class", key="teacher_share", icon=":material/share:", on_click=_share,
              args=(owner, latest.share_id if latest else 0))


def _rename(names: dict[str, str]) -> None:
    owner = st.session_state["teacher_rename_who"]
    drawn = names[owner]
    naming = running_lab().classroom.roster.rename(owner, st.session_state["teacher_rename_to"], drawn)
    flash(
        Level.success if naming.ok else Level.error,
        plain(f"{drawn} is now {naming.name}." if naming.ok else naming.message),
    )


def render_rename() -> None:
    """Give a student a name fit for the projector (the rename names the student as the page showed them,
    and is refused if they were renamed or removed since)."""
    names = running_lab().classroom.roster.names()
    if not names:
        st.caption("No students yet.")
        return
    st.selectbox("Student", list(names), key="teacher_rename_who", format_func=names.__getitem__)
    st.text_input("New name", key="teacher_rename_to")
    st.button("Rename", key="teacher_rename", on_click=_rename, args=(names,))


@st.fragment(run_every=REFRESH_S)
def redrawn(render: Callable[[], None], key: str) -> None:
    """`render()` in a container keyed `key`, redrawn every few seconds like the class table, so every list
    of the dashboard (students to rename or remove, leaderboard runs) follows the class without a reload."""
    with st.container(key=key):
        render()


# ----------------------------------------------------------------------------- leaderboard and exports


def render_current_hiding() -> None:
    """`render_hiding` over every run and name as they are now."""
    lab = running_lab()
    render_hiding(lab.store.all_runs(ALL_RUNS), lab.classroom.roster.names())


def _hide_run(run_id: str, name: str) -> None:
    if not running_lab().classroom.hidden.hide(run_id):
        flash(Level.info, plain(f"{name}'s run was already hidden (from another page)."))


def _show_run(run_id: str, name: str) -> None:
    if not running_lab().classroom.hidden.show(run_id):
        flash(Level.info, plain(f"{name}'s run was already back on the leaderboard (from another page)."))


def render_hiding(runs: list[RunRecord], names: dict[str, str]) -> None:
    """The leaderboard as the teacher sees it, each row with Hide; hidden runs with Show again."""
    classroom = running_lab().classroom
    entry = classroom.challenges.latest()
    if entry is None:
        st.caption("No challenge set yet.")
        return
    hidden = classroom.hidden.ids()
    st.caption(f"Ranked by {entry.challenge.score.words}.")
    for standing in standings(entry, runs, names, hidden, running_lab().class_digits.scores.lines()):
        row = _run_row(plain(f"{standing.rank}. {standing.name} — {score_text(standing)}, "
                             f"{standing.params:,} parameters"))
        row.button("Hide", key=f"teacher_hide_{standing.run_id}", on_click=_hide_run,
                   args=(standing.run_id, standing.name))
    for run in (run for run in runs if run.run_id in hidden):
        name = names.get(run.owner, "a student")
        row = _run_row(plain(f"hidden: {name} — {accuracy_text(run.test_accuracy)}"))
        row.button("Show again", key=f"teacher_show_{run.run_id}", on_click=_show_run,
                   args=(run.run_id, name))


def _run_row(text: str) -> DeltaGenerator:
    """A row of the leaderboard runs: its text, then (added by the caller) its button, which wraps below the
    text on a narrow screen instead of being squeezed into "Hi…"."""
    row = st.container(horizontal=True, vertical_alignment="center")
    row.markdown(text)
    return row


def render_exports(runs: list[RunRecord], names: dict[str, str]) -> None:
    """Download every run as CSV (built only when clicked), and every trained .h5 in one zip, streamed from
    disk by the web server (`downloads`: a gigabyte of models never sits in its memory)."""
    row = st.container(horizontal=True, key="teacher_exports")  # wraps on a narrow screen, never cuts a label
    row.download_button(
        "Every run (CSV)",
        data=lambda: runs_csv(runs, names),
        file_name="cnnlab-runs.csv",
        mime="text/csv",
        key="teacher_export_csv",
        on_click="ignore",
        icon=":material/table:",
    )
    row.link_button(
        "Every trained model (.zip of .h5)",
        downloads.models_zip_link(),
        icon=":material/folder_zip:",
        help="Streamed from the server's disk as it downloads; the link works for 15 minutes.",
    )
