"""The teacher's view of the class: one row per student and the queue, from the roster, every run, the
live jobs and each student's current stack. Data only; `cnnlab.ui.teacher_view` renders it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from cnnlab.classroom.presence import is_idle_newcomer
from cnnlab.classroom.roster import Student
from cnnlab.core.arithmetic import analyze
from cnnlab.core.challenge import Challenge, stack_checks
from cnnlab.core.datasets import DEFAULT_DATASET, Dataset, dataset_of
from cnnlab.engine.jobs import JobSnapshot
from cnnlab.engine.scores import is_whole, partial_note
from cnnlab.engine.store import JobState, RunRecord


@dataclass(frozen=True)
class JobStatus:
    """A student's current (or latest) job, in the terms the dashboard shows."""

    job_id: str
    owner: str
    name: str  # the stack's name
    state: JobState
    queue_position: int | None
    epoch: int
    epochs: int
    accuracy: float | None  # live training accuracy while it trains, test accuracy once tested
    message: str
    dataset: Dataset = DEFAULT_DATASET  # what it trains and is tested on
    partial: str = ""  # "on 1,928 test images" for a test accuracy that covers only those


@dataclass(frozen=True)
class StudentRow:
    """One student at a glance."""

    owner: str  # for the teacher's actions; never displayed
    name: str
    stack_params: int | None  # None: no stack yet, or one with a problem
    meets_challenge: bool | None  # None: no active challenge, or no valid stack
    runs: int
    best_accuracy: float | None  # of the runs with a whole score (`engine.scores`)
    job: JobStatus | None


def live_status(snapshot: JobSnapshot) -> JobStatus:
    """A live job's status: queue position, or epoch and the latest training accuracy."""
    accuracy = next((point[2] for point in reversed(snapshot.batch_points) if point[2] is not None), None)
    return JobStatus(
        snapshot.job_id,
        snapshot.owner,
        snapshot.name,
        snapshot.state,
        snapshot.queue_position,
        snapshot.epoch,
        snapshot.epochs,
        accuracy,
        snapshot.message,
        snapshot.config.dataset,
    )


def stored_status(run: RunRecord) -> JobStatus:
    """A stored run's status: its final state, test accuracy and message."""
    epochs = int(run.config.get("epochs", 0))
    return JobStatus(
        run.run_id, run.owner, run.name, run.state, None, epochs, epochs, run.test_accuracy, run.message,
        dataset_of(run.config.get("dataset")),
        partial_note(run.tested_images, run.config) if run.test_accuracy is not None else "",
    )


def class_rows(
    students: Iterable[Student],
    runs: Iterable[RunRecord],
    live: Iterable[JobSnapshot],
    challenge: Challenge | None,
    stack_of: Callable[[str], Mapping],
    now: float | None = None,
) -> list[StudentRow]:
    """One row per student, in order of arrival, leaving out newcomers who did nothing for a while
    (`presence.is_idle_newcomer`, as of `now`). `runs` newest first; `stack_of(owner)` gives the student's
    current stack document (their Build draft)."""
    now = time.time() if now is None else now
    by_owner: dict[str, list[RunRecord]] = {}
    for run in runs:
        by_owner.setdefault(run.owner, []).append(run)
    live_by_owner = {snapshot.owner: snapshot for snapshot in live}
    rows = []
    for student in students:
        own = by_owner.get(student.owner, [])
        stack = stack_of(student.owner)
        if is_idle_newcomer(student, len(own), stack, now):
            continue
        analysis = analyze(stack)
        valid = analysis.ok and bool(analysis.layers)
        meets = None
        if challenge is not None and valid:
            meets = all(check.ok for check in stack_checks(challenge, analysis))
        accuracies = [run.test_accuracy for run in own
                      if run.test_accuracy is not None and is_whole(run.tested_images, run.config)]
        snapshot = live_by_owner.get(student.owner)
        job = live_status(snapshot) if snapshot else (stored_status(own[0]) if own else None)
        rows.append(
            StudentRow(
                student.owner,
                student.name,
                analysis.total_params if valid else None,
                meets,
                len(own),
                max(accuracies, default=None),
                job,
            )
        )
    return sorted(rows, key=lambda row: name_order(row.name))


def name_order(name: str) -> tuple[object, ...]:
    """How names sort on the dashboard, so rows never move under the teacher's pointer: case-blind, and
    numbers by value ("Student 2" before "Student 10"); the name itself breaks ties.

    >>> sorted(["Student 10", "bea", "Student 2", "Ada"], key=name_order)
    ['Ada', 'bea', 'Student 2', 'Student 10']
    """
    parts = re.split(r"(\d+)", name.casefold())
    return (*((int(part), "") if part.isdigit() else (0, part) for part in parts), name)


def queue_order(live: Iterable[JobSnapshot]) -> tuple[list[JobSnapshot], list[JobSnapshot]]:
    """(training now, waiting in queue order) among the live jobs."""
    live = list(live)
    running = sorted((s for s in live if s.state in (JobState.RUNNING, JobState.STOPPING)),
                     key=lambda s: s.created_at)  # the order they started in, steady between redraws
    waiting = sorted((s for s in live if s.state == JobState.QUEUED), key=lambda s: s.queue_position or 0)
    return running, waiting

