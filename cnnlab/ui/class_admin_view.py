"""The teacher's dashboard, the class itself: remove a student or every student without runs, start a new
class (the old one archived and downloadable), and the past classes. Each action names what the page showed
(the students as drawn, the archives there were) and is refused when that changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from cnnlab.classroom import archive
from cnnlab.classroom.archive import ArchivedClass, LiveClass
from cnnlab.classroom.presence import NEWCOMER_GRACE_S
from cnnlab.core.text import duration, plain
from cnnlab.lab import Lab, running_lab
from cnnlab.ui.session import Level, flash

ALL_RUNS = 100_000


@dataclass(frozen=True)
class Drawn:
    """A student as the page showed them: who, under which name, with how many runs."""

    owner: str
    name: str
    runs: int


def _live(lab: Lab) -> LiveClass:
    return LiveClass(lab.settings.runs_dir, lab.store, lab.drafts, lab.classroom)


def _drawn_students(lab: Lab) -> list[Drawn]:
    """Every student on the class list with their number of runs, in order of arrival."""
    counts: dict[str, int] = {}
    for run in lab.store.all_runs(ALL_RUNS):
        counts[run.owner] = counts.get(run.owner, 0) + 1
    return [Drawn(s.owner, s.name, counts.get(s.owner, 0)) for s in lab.classroom.roster.students()]


def _remove(drawn: tuple[Drawn, ...]) -> None:
    """Remove the students drawn, except those renamed, removed, trained or busy since; say what happened."""
    lab = running_lab()
    now = {student.owner: student for student in _drawn_students(lab)}
    busy = {snapshot.owner for snapshot in lab.jobs.live_jobs()}
    removable = [d for d in drawn if now.get(d.owner) == d and d.owner not in busy]
    skipped = [d.name for d in drawn if d not in removable]
    if removable:
        archive.remove_students(_live(lab), [d.owner for d in removable])
        names = ", ".join(d.name for d in removable[:5]) + (" …" if len(removable) > 5 else "")
        count = f"{len(removable)} student{'s' * (len(removable) != 1)}"
        flash(Level.success, plain(f"Removed {count} ({names}); their work is kept under Past classes, "
                                   "Removed students."))
    if skipped:
        flash(Level.warning, plain(
            f"Not removed: {', '.join(skipped[:5])}{' …' if len(skipped) > 5 else ''} — renamed, removed, "
            "trained or has a job waiting or training since your page was drawn. Look again and retry."))


def render_remove_students() -> None:
    """Remove one student (with their runs), or every student without runs, after a confirmation."""
    lab = running_lab()
    students = _drawn_students(lab)
    if not students:
        st.caption("No students yet.")
        return
    by_owner = {d.owner: d for d in students}
    owner = st.selectbox("Student to remove", list(by_owner), key="teacher_remove_who",
                         format_func=lambda o: f"{by_owner[o].name} ({by_owner[o].runs} runs)")
    chosen = by_owner[owner]
    with st.popover(f"Remove {chosen.name}", icon=":material/person_remove:"):
        st.markdown(plain(f"Remove {chosen.name} and their {chosen.runs} runs from the class? Their name, "
                          "stack and runs move to Past classes › Removed students (downloadable). If they "
                          "come back, they start as a new student."))
        st.button(f"Yes, remove {chosen.name}", key="teacher_remove_one", type="primary", on_click=_remove,
                  args=((chosen,),))
    idle = tuple(d for d in students if d.runs == 0)
    with st.popover(f"Remove every student without runs ({len(idle)})", icon=":material/group_remove:",
                    disabled=not idle):
        st.markdown(plain(f"Remove the {len(idle)} students who have no runs (those who only opened CNN Lab, "
                          "or started a fresh identity and left)? Students who come back start as new "
                          "students."))
        st.button(f"Yes, remove {len(idle)} students", key="teacher_remove_idle", type="primary",
                  on_click=_remove, args=(idle,))
    st.caption(f"Students with no name, no stack and no runs are left off the class list above "
               f"{duration(NEWCOMER_GRACE_S)} after they arrive; they show again once they do something.")


def _class_archives(lab: Lab) -> tuple[str, ...]:
    """The archived classes' folders (not the removed students'): what "a new class was started" changes."""
    return tuple(entry.path.name for entry in archive.past_classes(lab.settings.runs_dir)
                 if entry.path.name != archive.REMOVED)


def _new_class(drawn: tuple[str, ...]) -> None:
    lab = running_lab()
    if _class_archives(lab) != drawn:
        flash(Level.warning, "A new class was started since your page was drawn (from another page); "
                             "nothing more was archived. Here is the class as it is now.")
        return
    live = lab.jobs.live_jobs()
    if live:
        flash(Level.error, plain(f"Not started: {len(live)} job{'s are' if len(live) != 1 else ' is'} still "
                                 "waiting or training. Cancel or stop them in the queue (or wait for them), "
                                 "then start the new class."))
        return
    archived = archive.start_new_class(_live(lab))
    flash(Level.success, plain(f"New class started. The old one ({archived.students} students, "
                               f"{archived.runs} runs, {archived.challenges} challenges) is under Past "
                               "classes."))


def render_new_class() -> None:
    """Start a new class: the class list, runs, challenges and boards archived, the class empty."""
    lab = running_lab()
    students, runs = len(lab.classroom.roster.students()), len(lab.store.all_runs(ALL_RUNS))
    with st.popover("Start a new class", icon=":material/restart_alt:"):
        st.markdown(plain(f"Archive this class ({students} students, {runs} runs, its challenges and their "
                          "boards) and start an empty one? Nothing is deleted: the old class is listed under "
                          "Past classes, downloadable. Students who come back join the new class as new "
                          "students, with an empty stack."))
        st.button("Yes, archive this class and start a new one", key="teacher_new_class", type="primary",
                  on_click=_new_class, args=(_class_archives(lab),))


def _past_line(entry: ArchivedClass) -> str:
    when = datetime.fromtimestamp(entry.archived_at).strftime("%Y-%m-%d %H:%M")
    return (f"{entry.title} — {entry.students} students, {entry.runs} runs, {entry.challenges} challenges "
            f"(last change {when}; files in {entry.path})")


def render_past_classes() -> None:
    """The archived classes, each downloadable as a zip of CSV files (students, runs, boards)."""
    entries = archive.past_classes(running_lab().settings.runs_dir)
    if not entries:
        st.caption("No past classes yet.")
        return
    for entry in entries:
        text, action = st.columns([4, 1], vertical_alignment="center")
        text.write(plain(_past_line(entry)))
        action.download_button("Download", data=lambda entry=entry: archive.class_bundle(entry),
                               file_name=f"cnnlab-{entry.path.name}.zip", mime="application/zip",
                               key=f"teacher_past_{entry.path.name}", on_click="ignore",
                               icon=":material/download:")
