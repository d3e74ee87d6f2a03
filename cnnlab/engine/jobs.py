"""The job manager: it queues training jobs, runs them through a `Runner`, keeps each job's live snapshot
current and persists every run in the `RunStore`.

Pages (through `cnnlab.lab.Lab.jobs`) call `submit`, `snapshot`, `jobs`, `stop`, `delete`, `finish_testing`,
`result`, `model_file`. Every call takes the owner token; another owner's job behaves exactly like a job that
does not exist. The teacher's dashboard also calls `live_jobs`, `stop(…, by=Stopper.TEACHER)` and
`cancel_waiting`. TensorFlow is never imported here: training happens in worker processes (`runner`,
`worker`).

What keeps one student from taking the server from the class: a waiting job per identity and per browser,
round robin between students (`fairness`), a batch short enough for a quick Stop and a job short enough for
the time limit (`estimate`), run files within the storage budgets (`storage`), and a leaderboard of whole
scores only (`scores`).

Nothing runs by itself: `step()` does one turn of the work (fold the workers' events into their jobs, stop
jobs over the time limit, pass on stop requests, start queued jobs in free slots, keep a worker warm), and
`drain()` steps until no job is left, as rq's burst mode does; the server runs `serve()` on a driver thread
that the composition root (`cnnlab.lab`) starts, tests and benchmarks call `step()` or `drain()` themselves.

Locks: `_lock` guards the jobs in memory and is held for memory only, so a page reading a snapshot never
waits for a disk or a process. A job's state changes in one method, `_change`, which writes it to the store
after changing it in memory; `_changing` lets one change through at a time, so the store receives them in the
order they were made.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from cnnlab.core.arithmetic import Analysis, LayerReport, trainability
from cnnlab.core.challenge import Challenge, refusals
from cnnlab.core.hyper import TrainConfig, config_to_dict, parse_train_config
from cnnlab.core.layers import MAX_NAME_LENGTH, NetworkSpec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.core.text import duration
from cnnlab.engine.class_set import ClassScore, ClassSet, ClassSetSource
from cnnlab.engine.estimate import (
    DEFAULT_MAX_JOB_SECONDS,
    SPEED_FILE,
    QueuePlan,
    RunningJob,
    SpeedMeter,
    StackCost,
    batch_refusal,
    job_work,
    over_limit_message,
    overruns,
    queue_plan,
)
from cnnlab.engine.events import Event, Finished, Tested
from cnnlab.engine.fairness import RoundRobin
from cnnlab.engine.owners import is_owner_token
from cnnlab.engine.runner import Runner, TaskHandle, default_max_running
from cnnlab.engine.scores import merged_result, scored_on, test_set_size
from cnnlab.engine.storage import (
    DEFAULT_MAX_CLASS_BYTES,
    DEFAULT_MAX_STUDENT_BYTES,
    budget_refusal,
    run_bytes,
)
from cnnlab.engine.store import (
    JobState,
    ModelFormat,
    RunFile,
    RunRecord,
    RunResult,
    RunStore,
    Stopper,
    is_run_id,
)

__all__ = ["EpochRecord", "JobKind", "JobLimits", "JobManager", "JobRefused", "JobSnapshot", "JobState",
           "Stopper"]

TESTING_MESSAGE = "testing the model on the 10,000 test images"
QUEUED_STOP_MESSAGE = "stopped while waiting in the queue; nothing was trained"
TEACHER_CANCEL_MESSAGE = "your teacher cancelled this run while it waited in the queue; nothing was trained"
STOPPING_MESSAGES = {
    Stopper.STUDENT: "stopping at the next batch; the model trained so far is kept",
    Stopper.TEACHER: "your teacher is stopping this run at the next batch; the model trained so far is kept",
}
STOPPED_WORDS = {  # how a stopped run's message begins, by who stopped it
    Stopper.STUDENT: "stopped early",
    Stopper.TEACHER: "your teacher stopped this run",
    Stopper.LIMIT: "stopped at the server's limit of {limit} per job (it would have taken far longer)",
}
STOPPED_MESSAGE = "{words}; the model trained so far was tested on {tested} and saved"
LIMIT_ADVICE = " — use fewer epochs or images, or fewer filters"
TEST_STOPPING_MESSAGE = "stopping its test; the test images scored so far are kept"
SHUTDOWN_MESSAGE = "the server was shut down while this run was waiting or training; run it again"
FINISH_TESTING_QUEUED = "waiting to finish testing the model"
FINISH_TESTING_MESSAGE = "testing the model on the other {count:,} test images"
_RESUMABLE = (JobState.STOPPED, JobState.INTERRUPTED)  # a run whose test can be finished (if partial)
STEP_WAIT_S = 1.0  # the driver's longest wait for news in one step; a worker or a page wakes it earlier
SAVE_POINTS_EVERY_S = 5.0  # live points reach metrics.json at least this often, so a crash keeps the curve
_log = logging.getLogger(__name__)


class JobRefused(Exception):
    """A job that will not be queued; `str(error)` tells the student why and, for a cap, what the cap is."""


class JobKind(StrEnum):
    """What a job does."""

    TRAIN = "train"  # train a stack, test it, save it
    TEST = "test"  # finish the test of a run stopped while testing (`JobManager.finish_testing`)


@dataclass(frozen=True)
class JobLimits:
    """Caps that keep one server fair to a whole class (hyperparameter caps live in `cnnlab.core.hyper`)."""

    max_running: int = field(default_factory=default_max_running)  # jobs training at once
    max_queued_per_owner: int = 1  # jobs one student may have waiting, so everyone gets a turn
    max_queued_per_browser: int = 1  # jobs one browser may have waiting, whatever identities it takes
    max_queued: int = 60  # jobs waiting in all
    max_params: int = 5_000_000  # weights a job may train on this CPU
    max_activation_bytes: int = 2 * 1024**3  # estimated memory of one batch's activations (see `submit`)
    max_job_seconds: float = DEFAULT_MAX_JOB_SECONDS  # a job's estimated time (`estimate`)
    max_student_bytes: int = DEFAULT_MAX_STUDENT_BYTES  # run files one student may keep (`storage`)
    max_class_bytes: int = DEFAULT_MAX_CLASS_BYTES  # run files the whole class may keep


@dataclass(frozen=True)
class EpochRecord:
    """Figures at the end of one complete epoch (validation figures are None without a validation split)."""

    epoch: int  # from 1
    loss: float | None
    accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    seconds: float  # training time of this epoch, validation excluded
    samples_per_second: float


@dataclass(frozen=True)
class JobSnapshot:
    """Everything a page shows about one job, as it was at one instant."""

    job_id: str
    owner: str
    name: str
    state: JobState
    queue_position: int | None  # 1 = next to start; None unless queued
    epoch: int  # current epoch, from 1; 0 before training starts
    epochs: int
    step: int  # batches done in the current epoch
    steps_per_epoch: int
    batch_points: tuple[tuple[float, float, float | None], ...]  # (epoch as a float, loss, accuracy)
    epochs_history: tuple[EpochRecord, ...]
    samples_per_second: float | None
    elapsed_s: float  # since the job started training (0 while queued)
    eta_s: float | None  # until training ends, while it trains
    message: str
    test_loss: float | None
    test_accuracy: float | None
    params: int
    created_at: float  # seconds since the epoch
    config: TrainConfig
    spec: dict  # spec_to_dict form: enough to run it again
    estimate_s: float | None = None  # while queued or training: its estimated time when submitted
    wait_s: float | None = None  # while queued: expected seconds until it starts
    tested_images: int | None = None  # test images its score covers (fewer than all: a partial score)
    kind: JobKind = JobKind.TRAIN  # a live test job (finishing a test) says TEST
    stopped_by: Stopper | None = None  # who stopped it (a stopped run), or who is stopping it


_EPOCH_FIELDS = tuple(EpochRecord.__dataclass_fields__)


class _Job:
    """A live job's mutable state; read and written under the manager's `_lock`, its state by `_change`."""

    def __init__(self, run_id: str, owner: str, name: str, spec: dict, config: TrainConfig, params: int,
                 created_at: float, cost: StackCost, estimate_s: float = 0.0, browser: str | None = None,
                 kind: JobKind = JobKind.TRAIN) -> None:
        self.run_id, self.owner, self.name = run_id, owner, name
        self.browser = browser  # the student's browser, when the page said which
        self.kind = kind
        self.spec, self.config, self.params = spec, config, params
        self.created_at = created_at
        self.cost, self.estimate_s = cost, estimate_s  # what it costs per image and step; estimated seconds
        self.stopped_by: Stopper | None = None  # who asked it to stop, if anyone did
        self.tested_images: int | None = None  # test images scored (a test job: from the first, so far)
        self.test_start = 0  # a test job: the first test image it scores
        self.resumed: RunRecord | None = None  # a test job: the run as it was before its testing went on
        self.round = 0  # its turn among the students' jobs (`fairness.RoundRobin`)
        self.points_saved = 0.0  # time.monotonic() when the live points were last written to metrics.json
        self.state = JobState.QUEUED
        self.message = ""
        self.handle: TaskHandle | None = None
        self.started: float | None = None  # time.monotonic() when handed to the runner
        self.ended: float | None = None  # time.monotonic() when it reached a final state
        self.stop_sent = False
        self.epoch = 0  # epoch of the last batch point, from 1; 0 before the first
        self.step = 0  # batches done in that epoch
        self.steps_per_epoch = config.steps_per_epoch
        self.batch_points: list[tuple[float, float, float | None]] = []
        self.epochs: list[EpochRecord] = []
        self.samples_per_second: float | None = None
        self.train_elapsed = 0.0
        self.class_ids: tuple[int, ...] = ()  # the class's drawings sent with the job (`engine.class_set`)
        self.test_loss: float | None = None
        self.test_accuracy: float | None = None

    def metrics(self) -> dict:
        """The metric history as stored in metrics.json."""
        return {
            "steps_per_epoch": self.steps_per_epoch,
            "batch_points": [list(point) for point in self.batch_points],
            "epochs": [asdict(record) for record in self.epochs],
        }

    def elapsed(self) -> float:
        """Seconds from the start of training to its end, or to now while it runs (0 while queued)."""
        if self.started is None:
            return 0.0
        return (self.ended or time.monotonic()) - self.started

    def steps_done(self) -> int:
        """Training batches done so far, over all epochs."""
        return max(self.epoch - 1, 0) * self.steps_per_epoch + self.step

    @property
    def student(self) -> str:
        """Who takes turns in the queue: the browser when known (every identity of a browser is one student),
        else the identity."""
        return self.browser or self.owner

    def progress(self) -> float:
        """Fraction of the planned training batches (a test job: of its test images) done; 0 while queued."""
        if self.kind is JobKind.TEST:
            left = test_set_size(self.config) - self.test_start
            done = (self.tested_images or self.test_start) - self.test_start
            return min(done / left, 1.0) if left > 0 else 0.0
        total = self.config.epochs * self.steps_per_epoch
        return min(self.steps_done() / total, 1.0) if total else 0.0

    def running(self) -> RunningJob:
        """What the queue's wait estimate needs of this running job."""
        return RunningJob(estimate_s=self.estimate_s, elapsed_s=self.elapsed(), progress=self.progress())

    def eta(self) -> float | None:
        """Seconds of training left, from the pace so far; None until there is a pace."""
        if self.state != JobState.RUNNING or not self.train_elapsed or self.kind is JobKind.TEST:
            return None
        done = self.steps_done()
        total = self.config.epochs * self.steps_per_epoch
        return max(0.0, (total - done) * self.train_elapsed / done) if done else None


def _clean_name(name: object, spec: NetworkSpec) -> str:
    """The job's display name: the given text (one line, capped) or the spec's own name, else "run"."""
    text = " ".join(str(name).split()) if isinstance(name, str) else ""
    return (text or spec.name or "run")[:MAX_NAME_LENGTH]


class JobManager:
    """Queues, runs, watches and persists training jobs (see the module docstring)."""

    def __init__(self, store: RunStore, runner: Runner, limits: JobLimits | None = None,
                 challenge: Callable[[], Challenge | None] | None = None,
                 class_set: ClassSetSource | None = None) -> None:
        """Claim the store's runs for this manager and mark runs cut off by a dead server as interrupted.
        Nothing starts: see `step`, `drain` and `serve`.

        `challenge()` gives the class challenge in force, if any (`cnnlab.classroom.challenges`); every
        submit is checked against its limits. `class_set` gives each starting job the class's drawings to be
        scored on and keeps their score (`engine.class_set`).
        """
        self.store = store
        self.runner = runner
        self.limits = limits or JobLimits()
        self._challenge = challenge or (lambda: None)
        self._class_set = class_set
        self._lease = store.acquire_lease()
        self.speed = SpeedMeter(store.root / SPEED_FILE)
        self.recovered = store.recover()
        self._lock = threading.Lock()  # the jobs in memory; never held across a disk write or a process start
        self._changing = threading.RLock()  # one change at a time, memory then store (readers never take it)
        self._turn = threading.Lock()  # one step at a time
        self._jobs: dict[str, _Job] = {}  # queued, training, or ended but still holding a worker
        self._queue: deque[str] = deque()  # waiting jobs, in the order they were submitted
        self._rounds = RoundRobin()  # the order they start in (`_waiting`)
        self._closed = False

    # ---- what pages call -------------------------------------------------------------------------------

    def submit(self, owner: str, spec: object, config: TrainConfig | Mapping, name: object = "", *,
               browser: str | None = None) -> str:
        """Queue a training job and return its id at once; raise `JobRefused` saying why if it cannot be.

        `spec` is a NetworkSpec or any JSON value (checked with `analyze`); `config` a TrainConfig or a
        mapping of settings (checked with `parse_train_config`). `browser` is the id of the browser that
        asked (`cnnlab.ui.identity.browser_id`, separate from the identity `owner`): one browser keeps one
        job waiting and takes its turns as one student, whatever identities it takes.
        """
        if not is_owner_token(owner):
            raise JobRefused("this browser session has no valid owner token; reload the page")
        analysis, config, cost, estimate_s = self.checked(spec, config)
        job_name = _clean_name(name, analysis.spec)
        spec_dict = spec_to_dict(analysis.spec)
        with self._changing:  # caps checked, run created and queued as one change: the queue keeps its order
            self._check_storage(owner, analysis.total_params)
            with self._lock:
                if self._closed:
                    raise JobRefused("the server is shutting down; start the job again in a moment")
                self._check_queue_caps(owner, browser)
            created_at = time.time()
            run_id = self.store.create(owner, job_name, spec_dict, config_to_dict(config),
                                       analysis.total_params, self._lease, created_at)
            with self._lock:
                job = _Job(run_id, owner, job_name, spec_dict, config, analysis.total_params, created_at,
                           cost, estimate_s, browser)
                self._enqueue(job)
        self.runner.wake()
        return run_id

    def checked(self, spec: object, config: TrainConfig | Mapping
                ) -> tuple[Analysis, TrainConfig, StackCost, float]:
        """The stack's analysis, the settings, the stack's cost and the estimated seconds of a job, when the
        server would accept it now (its stack, the caps, the challenge, memory, a batch's time and the time
        limit, but not the queue's room nor the storage budget); raise `JobRefused` saying why not. Train
        calls it as the settings change, so a refused job is seen before the press."""
        check = trainability(spec)
        if check.spec is None:
            raise JobRefused(check.message())
        analysis = check.analysis
        if analysis.total_params > self.limits.max_params:
            raise JobRefused(
                f"this stack has {analysis.total_params:,} parameters; training here is capped at "
                f"{self.limits.max_params:,} — use fewer filters or units, or pool before Flatten"
            )
        if not isinstance(config, TrainConfig):
            config, config_problems = parse_train_config(config)
            if config is None:
                raise JobRefused("; ".join(config_problems))
        challenge = self._challenge()
        broken = refusals(challenge, analysis, config) if challenge is not None else ()
        if broken:
            raise JobRefused("; ".join(broken))
        needed = activation_bytes(analysis.layers, config.batch_size)
        if needed > self.limits.max_activation_bytes:
            raise JobRefused(
                f"training this stack with batches of {config.batch_size} needs about "
                f"{needed / 1024**3:.1f} GB of memory; the cap here is "
                f"{self.limits.max_activation_bytes / 1024**3:.0f} GB — use a smaller batch size, fewer "
                "filters, or a pooling layer earlier"
            )
        cost = StackCost.of(analysis)
        too_long = batch_refusal(cost, config.batch_size, self.speed.cautious_macs_per_second())
        if too_long:
            raise JobRefused(too_long)
        estimate_s = self.speed.estimate(cost, config)
        if estimate_s > self.limits.max_job_seconds:
            raise JobRefused(over_limit_message(estimate_s, self.limits.max_job_seconds))
        return analysis, config, cost, estimate_s

    def estimate(self, analysis: Analysis, config: TrainConfig) -> float:
        """Seconds a job of this stack and these settings would take on this server, at the speed its
        finished jobs showed."""
        return self.speed.estimate(StackCost.of(analysis), config)

    def _check_storage(self, owner: str, params: int, reserved_by: str | None = None) -> None:
        """Refuse a job whose run files would not fit the student's or the class's storage budget, counting
        what is stored and what the jobs not yet finished will store (all but `reserved_by`'s own)."""
        with self._lock:
            pending = [job for job in self._jobs.values()
                       if job.kind is JobKind.TRAIN and job.run_id != reserved_by and not job.state.is_final]
        mine = sum(run_bytes(job.params) for job in pending if job.owner == owner)
        everyone = sum(run_bytes(job.params) for job in pending)
        limits = self.limits
        refusal = budget_refusal(self.store.usage(owner) + mine, self.store.usage() + everyone,
                                 run_bytes(params), limits.max_student_bytes, limits.max_class_bytes)
        if refusal:
            raise JobRefused(refusal)

    def _check_queue_caps(self, owner: str, browser: str | None) -> None:
        """Refuse a job that would wait beyond the per-owner, per-browser or whole-queue cap (called under the
        lock).

        Jobs that are queued only until the driver's next step starts them (a slot is free) do not count as
        waiting, so a job submitted right after another into an idle server is not refused.
        """
        free = max(0, self.limits.max_running - self._busy())
        if len(self._queue) < free:
            return  # this job starts at once
        waiting = [self._jobs[run_id] for run_id in self._waiting()[free:]]
        mine = sum(job.owner == owner for job in waiting)
        if mine >= self.limits.max_queued_per_owner:
            cap = self.limits.max_queued_per_owner
            raise JobRefused(
                f"you already have {mine} job{'s' * (mine != 1)} waiting in the queue; the cap is {cap} "
                f"waiting job{'s' * (cap != 1)} per student so that everyone gets a turn — wait for it to "
                "start, or stop it"
            )
        held = sum(browser is not None and job.browser == browser for job in waiting)
        if held >= self.limits.max_queued_per_browser:
            cap = self.limits.max_queued_per_browser
            raise JobRefused(
                f"this browser already has a job waiting in the queue (maybe as another student); the cap is "
                f"{cap} waiting job{'s' * (cap != 1)} per browser so that everyone gets a turn — wait for it "
                "to start, or stop it"
            )
        if len(waiting) >= self.limits.max_queued:
            raise JobRefused(
                f"the queue is full ({self.limits.max_queued} jobs waiting, the server's cap); "
                "try again when some have started"
            )

    def _enqueue(self, job: _Job) -> None:
        """Put a new job in the queue, in its student's next round (under the lock)."""
        job.round = self._rounds.assign(job.student)
        self._jobs[job.run_id] = job
        self._queue.append(job.run_id)

    def _waiting(self) -> list[str]:
        """The queued jobs' ids in the order they will start (under the lock): by round, then as submitted."""
        arrival = {run_id: index for index, run_id in enumerate(self._queue)}
        return sorted(self._queue, key=lambda run_id: (self._jobs[run_id].round, arrival[run_id]))

    def snapshot(self, job_id: object, owner: object) -> JobSnapshot | None:
        """The job as it is now, or None if there is no such job for this owner."""
        if not is_run_id(job_id) or not is_owner_token(owner):
            return None
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return self._live_snapshot(job, self._places()) if job.owner == owner else None
        record = self.store.get(job_id, owner)
        return self._stored_snapshot(record) if record else None

    def jobs(self, owner: object) -> list[JobSnapshot]:
        """All of the owner's jobs, live and stored, newest first."""
        records = self.store.runs(owner)
        with self._lock:
            places = self._places()
            live = {job.run_id: self._live_snapshot(job, places) for job in self._jobs.values()
                    if job.owner == owner}
        return [live.get(record.run_id) or self._stored_snapshot(record) for record in records]

    def live_jobs(self) -> list[JobSnapshot]:
        """Every owner's waiting and training jobs, for the teacher's dashboard (never for a student page)."""
        with self._lock:
            places = self._places()
            return [self._live_snapshot(job, places) for job in self._jobs.values()]

    def stop(self, job_id: object, owner: object, *, by: Stopper = Stopper.STUDENT) -> bool:
        """Stop the owner's job: a queued one never starts, a running one ends at its next batch and keeps the
        model trained so far. `by` says who asked (the teacher's dashboard: `Stopper.TEACHER`), and the run
        says so. True if a stop was started, False for an unknown, foreign or finished job."""
        if not is_run_id(job_id) or not is_owner_token(owner):
            return False
        with self._changing:
            with self._lock:
                job = self._jobs.get(job_id)
                if job is None or job.owner != owner or job.state not in (JobState.QUEUED, JobState.RUNNING):
                    return False
                waiting = job_id in self._queue  # else the driver is starting it, or it runs
                if waiting:
                    self._queue.remove(job_id)
                if job.kind is JobKind.TRAIN:
                    job.stopped_by = by
            if waiting:
                self._cancel(job, by)
            else:
                self._change(job, JobState.STOPPING, STOPPING_MESSAGES[by] if job.kind is JobKind.TRAIN
                             else TEST_STOPPING_MESSAGE)
        self.runner.wake()
        return True

    def cancel_waiting(self, owner: str | None = None) -> int:
        """The teacher's one click: cancel every waiting job of `owner` (None: of every student); jobs that
        train go on. Returns how many were cancelled."""
        with self._changing:
            with self._lock:
                cancelled = [self._jobs[run_id] for run_id in list(self._queue)
                             if owner is None or self._jobs[run_id].owner == owner]
                for job in cancelled:
                    self._queue.remove(job.run_id)
                    if job.kind is JobKind.TRAIN:
                        job.stopped_by = Stopper.TEACHER
            for job in cancelled:
                self._cancel(job, Stopper.TEACHER)
        return len(cancelled)

    def _cancel(self, job: _Job, by: Stopper) -> None:
        """End a job taken out of the queue before it started (called while `_changing` is held)."""
        if job.kind is JobKind.TEST:  # the run goes back to how it was: nothing of it was lost
            self._restore(job, job.resumed.tested_images or 0)
        else:
            message = TEACHER_CANCEL_MESSAGE if by is Stopper.TEACHER else QUEUED_STOP_MESSAGE
            self._change(job, JobState.STOPPED, message)
        self._drop(job)

    def delete(self, job_id: object, owner: object) -> bool:
        """Delete the owner's run for good — its files, and its row in every list, export and leaderboard —
        to free space in the storage budget. Only an ended run; True if it was deleted."""
        with self._lock:
            if job_id in self._jobs:
                return False  # waiting, training or finishing its test: stop it first
        return self.store.delete(job_id, owner)

    def finish_testing(self, job_id: object, owner: object, *, browser: str | None = None) -> bool:
        """Queue the rest of the test of the owner's run that was stopped while testing: a worker scores the
        test images it has not seen, and the run then has a whole score (and ranks). True if queued; False
        for a run that has a whole score, no partial one, no model, or is already live. Raises `JobRefused`
        at a queue cap."""
        record = self.store.get(job_id, owner)
        if record is None or record.tested_images is None or record.state not in _RESUMABLE:
            return False
        config, _ = parse_train_config(record.config)
        config = config or TrainConfig()
        left = test_set_size(config) - record.tested_images
        analysis = trainability(record.spec).analysis
        if left <= 0 or analysis.spec is None or self.store.model_file(job_id, owner) is None:
            return False
        cost = StackCost.of(analysis)
        learned = self.speed.learned()
        job = _Job(record.run_id, owner, record.name, record.spec, config, record.params, record.created_at,
                   cost, learned.fixed_s + left * cost.scored_image / learned.macs_per_second, browser,
                   JobKind.TEST)
        job.test_start = job.tested_images = record.tested_images
        job.resumed = record
        with self._changing:
            with self._lock:
                if self._closed or job_id in self._jobs:
                    return False
                self._check_queue_caps(owner, browser)
                self._enqueue(job)
            self._change(job, JobState.QUEUED, FINISH_TESTING_QUEUED)
        self.runner.wake()
        return True

    def result(self, job_id: object, owner: object) -> RunResult | None:
        """The finished (or stopped) run's test result: confusion matrix and per-image predictions."""
        return self.store.result(job_id, owner)

    def model_file(self, job_id: object, owner: object, fmt: RunFile = ModelFormat.H5) -> Path | None:
        """Path of the trained model file (.h5 by default, or an export of it) for download, or None."""
        return self.store.model_file(job_id, owner, fmt)

    def queue_plan(self) -> QueuePlan:
        """Expected waits of the queued jobs (in the order they will start) and seconds until every job has
        ended."""
        with self._lock:
            return self._plan(self._waiting())

    def _places(self) -> dict[str, tuple[int, float]]:
        """Each queued job's place in the queue (1: next to start) and expected wait in seconds, from one
        plan of the whole queue (under the lock)."""
        order = self._waiting()
        return {run_id: (place, wait) for place, (run_id, wait)
                in enumerate(zip(order, self._plan(order).waits_s, strict=True), start=1)}

    def _plan(self, order: list[str]) -> QueuePlan:
        """`queue_plan` under the lock: running jobs by their pace, queued ones (in `order`) by their
        estimates."""
        running = [job.running() for job in self._jobs.values() if job.handle is not None]
        queued = [self._jobs[run_id].estimate_s for run_id in order]
        return queue_plan(running, queued, self.limits.max_running)

    # ---- the driver --------------------------------------------------------------------------------------

    def step(self, timeout_s: float = 0.0) -> bool:
        """One turn of the work: wait up to `timeout_s` for news from a worker or a page, fold the workers'
        events into their jobs, stop jobs far over the time limit, pass on stop requests, start queued jobs
        in free slots, keep a spare worker warm. True while any job is live (queued, training, or ended but
        not yet released by its worker)."""
        with self._turn:
            with self._lock:
                if self._closed:
                    return False
                running = [job for job in self._jobs.values() if job.handle is not None]
            self.runner.wait([job.handle for job in running], timeout_s)
            for job in running:
                try:
                    for event in job.handle.events():
                        self._apply(job, event)
                except Exception as error:  # one job's bad news must not end the work for every other job
                    self._abandon(job, f"the server could not record this run ({type(error).__name__})")
            self._enforce_time_limit()
            self._deliver_stops()
            self._start_queued()
            with self._lock:
                if self._closed:
                    return False
                spares = 1 if self._busy() < self.limits.max_running or self._queue else 0
                live = bool(self._jobs)
            self.runner.prewarm(spares)
            return live

    def drain(self, timeout_s: float | None = None) -> bool:
        """Step until no job is live, then return (a burst, as rq's `--burst` worker): True when every job
        has ended, False when `timeout_s` passed first."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while self.step(STEP_WAIT_S):
            if deadline is not None and time.monotonic() > deadline:
                return False
        return True

    def serve(self) -> None:
        """Step until `shutdown`: the driver thread's work. An unexpected error is printed and the next step
        goes on serving every job."""
        while not self._closed:
            try:
                self.step(STEP_WAIT_S)
            except Exception:
                traceback.print_exc()
                time.sleep(STEP_WAIT_S)

    def shutdown(self) -> None:
        """Stop stepping and every worker; unfinished jobs are recorded as interrupted."""
        with self._changing, self._lock:
            if self._closed:
                return
            self._closed = True
            cut_off = list(self._jobs.values())
            self._jobs.clear()
            self._queue.clear()
        self.runner.wake()
        if self._turn.acquire(timeout=10):  # the step in progress has ended; no other begins
            self._turn.release()
        self.runner.shutdown()
        for job in cut_off:
            if job.state.is_final:
                continue
            if job.kind is JobKind.TEST:  # its run keeps what it had; the test can be finished later
                self._restore(job, job.resumed.tested_images or 0)
            else:
                self._change(job, JobState.INTERRUPTED, SHUTDOWN_MESSAGE)
        self.store.release_lease(self._lease)

    def _change(self, job: _Job, state: JobState, message: str, **figures: float | None) -> None:
        """The one place a job's state changes: in memory (with `figures`: test loss and accuracy, speed,
        test images scored), then in its row of the runs index, which also gets who stopped it and, for a
        training job, the training time of a final state."""
        with self._changing:
            with self._lock:
                job.state, job.message = state, message
                for name, value in figures.items():
                    setattr(job, name, value)
                if state == JobState.RUNNING and job.started is None:
                    job.started = time.monotonic()
                if state.is_final:
                    job.ended = job.ended or time.monotonic()
                    if job.kind is JobKind.TRAIN:
                        figures["elapsed_s"] = job.elapsed()
            self.store.set_state(job.run_id, state, message, job.stopped_by, **figures)

    def _drop(self, job: _Job) -> None:
        """Forget a job that ended and holds no worker: from now on it is read from the store."""
        with self._lock:
            self._jobs.pop(job.run_id, None)

    def _abandon(self, job: _Job, message: str) -> None:
        """Give up on a job whose events could not be handled: fail it, end its worker, free its slot."""
        job.handle.kill()
        with contextlib.suppress(OSError):  # the store itself is failing: nothing more to record
            self._fail(job, message)
        self._drop(job)

    def _enforce_time_limit(self) -> None:
        """Stop running jobs that reached the time limit with far more to do; they keep the model trained so
        far, like a student's Stop."""
        limit = self.limits.max_job_seconds
        with self._lock:
            over = [job for job in self._jobs.values()
                    if job.state == JobState.RUNNING and overruns(job.elapsed(), job.progress(), limit)]
        for job in over:
            with self._changing:
                if job.state != JobState.RUNNING:  # its owner stopped it meanwhile, or it ended
                    continue
                with self._lock:
                    if job.kind is JobKind.TRAIN:
                        job.stopped_by = Stopper.LIMIT
                self._change(job, JobState.STOPPING,
                             f"stopping: this job reached the server's limit of {duration(limit)} per job; "
                             "the model trained so far is kept")

    def _deliver_stops(self) -> None:
        """Pass stop requests to the running tasks."""
        with self._lock:
            due = [job for job in self._jobs.values()
                   if job.state == JobState.STOPPING and job.handle is not None and not job.stop_sent]
            for job in due:
                job.stop_sent = True
        for job in due:
            job.handle.request_stop()

    def _busy(self) -> int:
        """Jobs holding a worker, or about to (under the lock): live jobs that no longer wait in the queue."""
        return len(self._jobs) - len(self._queue)

    def _start_queued(self) -> None:
        """Start queued jobs in their fair order (`fairness`) while fewer than `max_running` hold a worker; a
        training job whose run files no longer fit the storage budget fails instead, saying why."""
        with self._lock:
            starting = []
            while self._queue and self._busy() < self.limits.max_running:
                job = self._jobs[self._waiting()[0]]
                self._queue.remove(job.run_id)
                self._rounds.started(job.round)
                starting.append(job)
        for job in starting:
            try:
                if job.kind is JobKind.TRAIN:
                    self._check_storage(job.owner, job.params, reserved_by=job.run_id)
                    payload = {"spec": job.spec, "config": config_to_dict(job.config)}
                    class_set = self._class_set_for(job)
                    if class_set is not None:
                        payload["class_set"] = class_set.payload()
                        with self._lock:
                            job.class_ids = class_set.ids
                else:  # the model travels with the task: a worker on another machine (Ray) has no runs dir
                    model = self.store.model_file(job.run_id, job.owner).read_bytes()
                    payload = {"spec": job.spec, "model": model, "start": job.test_start,
                               "dataset": str(job.config.dataset)}
                handle = self.runner.start(str(job.kind), payload)
            except JobRefused as refusal:
                self._change(job, JobState.FAILED, f"not started: {refusal}")
                self._drop(job)
                continue
            except Exception as error:  # e.g. no memory left to start a process: this job fails, others go on
                self._fail_to_start(job, error)
                continue
            with self._changing:
                with self._lock:
                    job.handle, job.started = handle, time.monotonic()
                if job.state == JobState.QUEUED:  # else its owner stopped it while it started: it stops
                    self._change(job, JobState.RUNNING, "starting")

    def _fail_to_start(self, job: _Job, error: Exception) -> None:
        """A job whose task could not start: a training job fails, a test job leaves its run as it was."""
        if job.kind is JobKind.TEST:
            self._restore(job, job.resumed.tested_images or 0)
        else:
            self._change(job, JobState.FAILED, f"the server could not start a training process "
                                               f"({type(error).__name__}); try again in a minute")
        self._drop(job)

    def _class_set_for(self, job: _Job) -> ClassSet | None:
        """The class's drawings to send with a starting job, if any; a classroom that cannot be read now (its
        database busy beyond the timeout) costs the job its class score, never its training."""
        if self._class_set is None:
            return None
        try:
            return self._class_set.for_run(config_to_dict(job.config))
        except Exception:
            _log.exception("could not read the class's drawings for run %s", job.run_id)
            return None

    def _apply(self, job: _Job, event: Event) -> None:
        """Fold one worker event into the job; persist what must survive a restart."""
        kind = event["event"]
        if kind == "finished":
            self._finish(job, event)
            return
        if kind == "tested":
            self._finish_test(job, event)
            return
        if kind == "failed":
            self._fail(job, event["message"])
            return
        if kind == "done":  # the worker is free
            with self._changing:
                if not job.state.is_final:
                    self._change(job, JobState.FAILED,
                                 "the training process ended without a result; start it again")
                self._drop(job)
            return
        with self._lock:
            if kind == "started":
                job.steps_per_epoch = event["steps_per_epoch"]
                job.message = ""
            elif kind == "batch":
                job.epoch, job.step = event["epoch"], event["step"]
                job.batch_points.append((event["epoch"] - 1 + event["step"] / job.steps_per_epoch,
                                         event["loss"], event["accuracy"]))
                job.samples_per_second = event["samples_per_second"]
                job.train_elapsed = event["elapsed_s"]
            elif kind == "epoch":
                job.epochs.append(EpochRecord(**{key: event[key] for key in _EPOCH_FIELDS}))
            elif kind == "testing" and job.kind is JobKind.TRAIN:
                job.message = TESTING_MESSAGE
            elif kind == "testing":
                job.message = FINISH_TESTING_MESSAGE.format(count=test_set_size(job.config) - job.test_start)
            elif kind == "scored":
                job.tested_images = event["images"]
            metrics = None  # written after every epoch, and every few seconds of live points
            due = time.monotonic() - job.points_saved >= SAVE_POINTS_EVERY_S
            if kind == "epoch" or (kind == "batch" and due):
                job.points_saved = time.monotonic()
                metrics = job.metrics()
        if metrics is not None:
            self.store.save_metrics(job.run_id, metrics)

    def _finish(self, job: _Job, event: Finished) -> None:
        """Persist the trained model, test result and history, then mark the run finished or stopped."""
        store = self.store
        store.save_model(job.run_id, ModelFormat.H5, event["h5"])
        if "keras" in event:  # a big model's .keras is made on demand (`storage.keeps_both_files`)
            store.save_model(job.run_id, ModelFormat.KERAS, event["keras"])
        store.save_result(job.run_id, RunResult(
            test_loss=event["test_loss"], test_accuracy=event["test_accuracy"],
            confusion=tuple(tuple(row) for row in event["confusion"]),
            predicted=event["predicted"], confidence=event["confidence"], class_names=tuple(event["classes"]),
        ))
        tested = len(event["predicted"])
        with self._lock:
            metrics = job.metrics()
            speed = event["samples_per_second"] or job.samples_per_second
            if event["stopped"] and job.stopped_by is None:
                job.stopped_by = Stopper.STUDENT
        store.save_metrics(job.run_id, metrics)
        if event["stopped"]:
            state, message = JobState.STOPPED, self._stop_message(job.stopped_by, tested, job.config)
        else:
            state, message = JobState.FINISHED, ""
        self._change(job, state, message, test_loss=event["test_loss"], test_accuracy=event["test_accuracy"],
                     samples_per_second=speed, tested_images=tested)
        if state == JobState.FINISHED:  # the work of its steady training steps, and of the whole job
            cost = job.cost
            steady = (event.get("steady_images", 0) * cost.train_image
                      + event.get("steady_steps", 0) * cost.step)
            self.speed.record(job.student, steady, event.get("steady_seconds", 0.0),
                              job_work(cost, job.config), job.elapsed())
        class_figures = event.get("class_set")
        if class_figures is not None and self._class_set is not None:
            try:
                self._class_set.record(job.run_id, job.owner,
                                       ClassScore.from_figures(job.class_ids, class_figures))
            except Exception:  # the run is finished and stored: only its class score (which Results can
                _log.exception("could not record run %s's class score", job.run_id)  # make again) is lost

    def _stop_message(self, by: Stopper | None, tested: int, config: TrainConfig) -> str:
        """What a stopped run says: who stopped it and how many test images its model was scored on."""
        words = STOPPED_WORDS[by or Stopper.STUDENT].format(limit=duration(self.limits.max_job_seconds))
        message = STOPPED_MESSAGE.format(words=words, tested=scored_on(tested, config))
        return message + LIMIT_ADVICE if by is Stopper.LIMIT else message

    def _finish_test(self, job: _Job, event: Tested) -> None:
        """A test job's result: merged with the run's partial one, the run is stopped as before, now scored
        on more (usually all) of its test images."""
        previous = self.store.result(job.run_id, job.owner)
        if previous is None or event["start"] != len(previous.predicted):
            self._restore(job, job.resumed.tested_images or 0,
                          "; its test could not be finished (its earlier result is missing)")
            return
        merged = merged_result(previous, event)
        self.store.save_result(job.run_id, merged)
        self._restore(job, len(merged.predicted), test_loss=merged.test_loss,
                      test_accuracy=merged.test_accuracy)

    def _restore(self, job: _Job, tested: int, note: str = "", **figures: float) -> None:
        """Put a test job's run back in its stopped state, scored on `tested` test images."""
        with self._lock:
            job.stopped_by = job.resumed.stopped_by
        message = self._stop_message(job.stopped_by, tested, job.config) + note
        self._change(job, JobState.STOPPED, message, tested_images=tested, **figures)

    def _fail(self, job: _Job, message: str) -> None:
        """Mark the job failed with a message for the student, keeping the curves it produced; a test job
        leaves its run as it was, with the message added."""
        if job.kind is JobKind.TEST:
            self._restore(job, job.resumed.tested_images or 0, f"; finishing its test failed: {message}")
            return
        with self._lock:
            metrics = job.metrics()
        self.store.save_metrics(job.run_id, metrics)
        self._change(job, JobState.FAILED, message)

    # ---- snapshots -------------------------------------------------------------------------------------

    def _live_snapshot(self, job: _Job, places: Mapping[str, tuple[int, float]]) -> JobSnapshot:
        """A snapshot of a live job (called under the lock); `places` are the queue's (`_places`)."""
        position, wait_s = places.get(job.run_id, (None, None))
        return JobSnapshot(
            job_id=job.run_id, owner=job.owner, name=job.name, state=job.state, queue_position=position,
            epoch=max(job.epoch, 1) if job.started is not None else 0, epochs=job.config.epochs,
            step=job.step, steps_per_epoch=job.steps_per_epoch, batch_points=tuple(job.batch_points),
            epochs_history=tuple(job.epochs), samples_per_second=job.samples_per_second,
            elapsed_s=job.elapsed(), eta_s=job.eta(), message=job.message, test_loss=job.test_loss,
            test_accuracy=job.test_accuracy, params=job.params, created_at=job.created_at, config=job.config,
            spec=job.spec, estimate_s=None if job.state.is_final else job.estimate_s, wait_s=wait_s,
            tested_images=job.tested_images, kind=job.kind, stopped_by=job.stopped_by,
        )

    def _stored_snapshot(self, record: RunRecord) -> JobSnapshot:
        """A snapshot of a run that is no longer live, from the index and its metrics.json."""
        metrics = self.store.metrics(record.run_id, record.owner) or {}
        config, _ = parse_train_config(record.config)
        config = config or TrainConfig()
        history = tuple(EpochRecord(**entry) for entry in metrics.get("epochs", []))
        points = tuple(tuple(point) for point in metrics.get("batch_points", []))
        steps_per_epoch = metrics.get("steps_per_epoch", config.steps_per_epoch)
        last_epoch, step = _position(points, steps_per_epoch)
        return JobSnapshot(
            job_id=record.run_id, owner=record.owner, name=record.name, state=record.state,
            queue_position=None, epoch=last_epoch, epochs=config.epochs, step=step,
            steps_per_epoch=steps_per_epoch,
            batch_points=points, epochs_history=history, samples_per_second=record.samples_per_second,
            elapsed_s=record.elapsed_s or 0.0, eta_s=None, message=record.message, test_loss=record.test_loss,
            test_accuracy=record.test_accuracy, params=record.params, created_at=record.created_at,
            config=config, spec=record.spec, tested_images=record.tested_images, stopped_by=record.stopped_by,
        )


def activation_bytes(layers: Sequence[LayerReport], batch_size: int) -> int:
    """Rough memory of one training batch: every layer's output as float32, kept for the backward pass and
    matched by its gradient, plus a third for temporaries.

    Convnet (10,816 + 2,704 + … values per image, 19,418 in all) at batch 128: 19,418 × 128 × 4 B × 3 ≈ 30 MB.
    """
    return sum(layer.output_size for layer in layers) * batch_size * 4 * 3


def _position(points: tuple[tuple, ...], steps_per_epoch: int) -> tuple[int, int]:
    """(1-based epoch, step) of the last batch point: 2.5 epochs at 100 steps per epoch → (3, 50)."""
    if not points:
        return 0, 0
    done = round(points[-1][0] * steps_per_epoch)
    epoch = max(1, math.ceil(done / steps_per_epoch))
    return epoch, done - (epoch - 1) * steps_per_epoch
