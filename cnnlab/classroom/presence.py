"""Who shows as a student: everyone on the class list except newcomers who did nothing for a while.

Every browser that opens CNN Lab joins the class list ("Student 12"), so a reload storm, or a student
who started a fresh identity and left, would leave rows nobody can tell apart. A student with no name, no
stack and no runs `NEWCOMER_GRACE_S` after joining is left off the dashboard's class list (the dashboard
says how many; "Remove every student without runs" still counts them); they show again the moment they name
themselves, build or train.
"""

from __future__ import annotations

from collections.abc import Mapping

from cnnlab.classroom.roster import Student

NEWCOMER_GRACE_S = 600.0  # ten minutes: time enough to open Build and listen to the teacher


def is_idle_newcomer(student: Student, runs: int, stack: Mapping, now: float) -> bool:
    """True for a student who joined more than `NEWCOMER_GRACE_S` ago and has no chosen name, no layer in
    their stack and no runs (a queued or training job is a run)."""
    return (student.chosen_name is None and runs == 0 and not stack.get("layers")
            and now - student.joined_at > NEWCOMER_GRACE_S)
