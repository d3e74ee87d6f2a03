"""The teacher's dashboard section about the server's shared resources: the waiting jobs (cancel one
student's, or everyone's, in one click), the learned training speed behind every estimate (with a reset), and
the run files against the storage budgets."""

from __future__ import annotations

import streamlit as st

from cnnlab.core.text import plain
from cnnlab.engine.jobs import JobState
from cnnlab.engine.storage import size_text
from cnnlab.lab import running_lab
from cnnlab.ui.session import Level, flash

FULLEST_SHOWN = 3  # students listed by how much of their storage budget they use


def speed_text(macs_per_second: float) -> str:
    """A speed as a teacher reads it: 4.2e10 → "4.2 · 10¹⁰ MACs a second", 9.99e9 → "1.0 · 10¹⁰ …"."""
    mantissa, exponent = f"{macs_per_second:.1e}".split("e")
    digits = str(int(exponent)).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
    return f"{mantissa} · 10{digits} MACs a second"


def render_server() -> None:
    """The section: waiting jobs, learned speed, storage."""
    with st.container(border=True, key="teacher_server"):
        st.subheader("Queue, speed and storage")
        _waiting_jobs()
        _speed()
        _storage()


def _waiting_jobs() -> None:
    lab = running_lab()
    waiting = [job for job in lab.jobs.live_jobs() if job.state == JobState.QUEUED]
    names = lab.classroom.roster.names()
    if not waiting:
        st.caption("No job is waiting in the queue.")
        return
    counts: dict[str, int] = {}
    for job in waiting:
        counts[job.owner] = counts.get(job.owner, 0) + 1
    who, one, everyone = st.columns([2, 1, 1], vertical_alignment="bottom")
    who.selectbox("Student with waiting jobs", list(counts), key="teacher_cancel_who",
                  format_func=lambda owner: f"{names.get(owner, 'a student')} ({counts[owner]} waiting)")
    one.button("Cancel their waiting jobs", key="teacher_cancel_student", icon=":material/cancel:",
               on_click=_cancel, args=(True,))
    everyone.button(f"Cancel every waiting job ({len(waiting)})", key="teacher_cancel_all",
                    icon=":material/clear_all:", on_click=_cancel, args=(False,),
                    help="Jobs that are training go on; stop those one by one above.")


def _cancel(one_student: bool) -> None:
    lab = running_lab()
    owner = st.session_state.get("teacher_cancel_who") if one_student else None
    if one_student and owner is None:
        return
    cancelled = lab.jobs.cancel_waiting(owner)
    name = lab.classroom.roster.names().get(owner, "a student")
    whose = plain(f"{name}'s") if one_student else "the class's"
    jobs = f"job{'s' * (cancelled != 1)}"
    flash(Level.success, f"Cancelled {cancelled} of {whose} waiting {jobs}; the students read that their "
                         "teacher cancelled them.")


def _speed() -> None:
    learned = running_lab().jobs.speed.learned()
    if learned.jobs:
        jobs = f"{learned.jobs} finished job{'s' * (learned.jobs != 1)}"
        students = f"{learned.students} student{'s' * (learned.students != 1)}"
        source = f"learned from {jobs} of {students} (each student counts once)"
        if learned.floored:
            source += "; held at its floor, so odd jobs cannot make every estimate far too long"
    else:
        source = "the first guess for a slow laptop: no job has finished yet"
    st.markdown(plain(f"Training speed behind every estimate: {speed_text(learned.macs_per_second)}, "
                      f"{source}; {learned.fixed_s:.0f} s fixed per job."))
    st.button("Reset the learned speed", key="teacher_reset_speed", icon=":material/restart_alt:",
              on_click=_reset_speed, disabled=not learned.jobs,
              help="Estimates start again from the first guess and learn from the next jobs.")


def _reset_speed() -> None:
    running_lab().jobs.speed.reset()
    flash(Level.success, "The learned speed was reset: estimates start again from the first guess.")


def _storage() -> None:
    lab = running_lab()
    limits = lab.jobs.limits
    usage = lab.store.usage_by_owner()
    names = lab.classroom.roster.names()
    fullest = sorted(usage.items(), key=lambda item: item[1], reverse=True)[:FULLEST_SHOWN]
    most = ", ".join(f"{names.get(owner, 'a student')} {size_text(size)}" for owner, size in fullest if size)
    st.markdown(plain(f"Run files: {size_text(sum(usage.values()))} of the class's "
                      f"{size_text(limits.max_class_bytes)}; each student may keep "
                      f"{size_text(limits.max_student_bytes)}" + (f" (most: {most})." if most else ".")))
    st.caption("Students free space by deleting old runs on Results. The budgets are CNNLAB_MAX_STUDENT_MB "
               "and CNNLAB_MAX_CLASS_GB.")
