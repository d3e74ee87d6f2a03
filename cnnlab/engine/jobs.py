"""The job manager: it queues training jobs, runs them through a `Runner`, keeps each job's live snapshot
current and persists every run in the `RunStore`.

Pages (through `cnnlab.lab.Lab.jobs`) call only `submit`, `snapshot`, `jobs`, `stop`, `result`, `model_file`.
Every call takes the owner token; another owner's job behaves exactly like a job that does not exist.
TensorFlow is never imported here: training happens in worker processes (`runner`, `worker`).

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
from pathlib import Path

from cnnlab.core.arithmetic import Analysis, LayerReport, trainability
from cnnlab.core.challenge import Challenge, refusals
from cnnlab.core.hyper import TrainConfig, config_to_dict, parse_train_config
from cnnlab.core.layers import MAX_NAME_LENGTH, NetworkSpec
from cnnlab.core.mnist import TEST_IMAGES
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.core.text import duration
from cnnlab.engine.class_set import ClassScore, ClassSet, ClassSetSource
from cnnlab.engine.estimate import (
    DEFAULT_MAX_JOB_SECONDS,
    SPEED_FILE,
    QueuePlan,
    RunningJob,
    SpeedMeter,
    over_limit_message,
    overruns,
    queue_plan,
)
from cnnlab.engine.events import Event, Finished
from cnnlab.engine.owners import is_owner_token
from cnnlab.engine.runner import Runner, TaskHandle, default_max_running
from cnnlab.engine.store import JobState, ModelFormat, RunFile, RunRecord, RunResult, RunStore, is_run_id

__all__ = ["EpochRecord", "JobLimits", "JobManager", "JobRefused", "JobSnapshot", "JobState"]

TESTING_MESSAGE = "testing the model on the 10,000 test images"
QUEUED_STOP_MESSAGE = "stopped while waiting in the queue; nothing was trained"
STOPPED_MESSAGE = "stopped early; the model trained so far was tested on {tested} and saved"
LIMIT_MESSAGE = ("stopped at the server's limit of {limit} per job (it would have taken far longer); the "
                 "model trained so far was tested on {tested} and saved — use fewer epochs or images, or "
                 "fewer filters")
SHUTDOWN_MESSAGE = "the server was shut down while this run was waiting or training; run it again"
STEP_WAIT_S = 1.0  # the driver's longest wait for news in one step; a worker or a page wakes it earlier
SAVE_POINTS_EVERY_S = 5.0  # live points reach metrics.json at least this often, so a crash keeps the curve
_log = logging.getLogger(__name__)


class JobRefused(Exception):
    """A job that will not be queued; `str(error)` tells the student why and, for a cap, what the cap is."""


@dataclass(frozen=True)
class JobLimits:
    """Caps that keep one server fair to a whole class (hyperparameter caps live in `cnnlab.core.hyper`)."""

    max_running: int = field(default_factory=default_max_running)  # jobs training at once
    max_queued_per_owner: int = 1  # jobs one student may have waiting, so everyone gets a turn
    max_queued: int = 60  # jobs waiting in all
    max_params: int = 5_000_000  # weights a job may train on this CPU
    max_activation_bytes: int = 2 * 1024**3  # estimated memory of one batch's activations (see `submit`)
    max_job_seconds: float = DEFAULT_MAX_JOB_SECONDS  # a job's estimated time (`estimate`)


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


_EPOCH_FIELDS = tuple(EpochRecord.__dataclass_fields__)


class _Job:
    """A live job's mutable state; read and written under the manager's `_lock`, its state by `_change`."""

    def __init__(self, run_id: str, owner: str, name: str, spec: dict, config: TrainConfig, params: int,
                 created_at: float, macs: int = 0, estimate_s: float = 0.0) -> None:
        self.run_id, self.owner, self.name = run_id, owner, name
        self.spec, self.config, self.params = spec, config, params
        self.created_at = created_at
        self.macs, self.estimate_s = macs, estimate_s  # MACs per image; estimated seconds (`estimate`)
        self.over_limit = False  # stopped by the manager at the time limit
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

    def progress(self) -> float:
        """Fraction of the planned training batches done (0 while queued)."""
        total = self.config.epochs * self.steps_per_epoch
        return min(self.steps_done() / total, 1.0) if total else 0.0

    def running(self) -> RunningJob:
        """What the queue's wait estimate needs of this running job."""
        return RunningJob(estimate_s=self.estimate_s, elapsed_s=self.elapsed(), progress=self.progress())

    def eta(self) -> float | None:
        """Seconds of training left, from the pace so far; None until there is a pace."""
        if self.state != JobState.RUNNING or not self.train_elapsed:
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
        self._queue: deque[str] = deque()
        self._closed = False

    # ---- what pages call -------------------------------------------------------------------------------

    def submit(self, owner: str, spec: object, config: TrainConfig | Mapping, name: object = "", *,
               browser: str | None = None) -> str:
        """Queue a training job and return its id at once; raise `JobRefused` saying why if it cannot be.

        `spec` is a NetworkSpec or any JSON value (checked with `analyze`); `config` a TrainConfig or a
        mapping of settings (checked with `parse_train_config`). `browser` is the id of the browser that
        asked (`cnnlab.ui.identity.browser_id`), for the queue's one waiting job per browser (issue 21's
        engine half); accepted here so that the pages can pass it.
        """
        if not is_owner_token(owner):
            raise JobRefused("this browser session has no valid owner token; reload the page")
        analysis, config, estimate_s = self.checked(spec, config)
        job_name = _clean_name(name, analysis.spec)
        spec_dict = spec_to_dict(analysis.spec)
        with self._changing:  # caps checked, run created and queued as one change: the queue stays FIFO
            with self._lock:
                if self._closed:
                    raise JobRefused("the server is shutting down; start the job again in a moment")
                self._check_queue_caps(owner)
            created_at = time.time()
            run_id = self.store.create(owner, job_name, spec_dict, config_to_dict(config),
                                       analysis.total_params, self._lease, created_at)
            with self._lock:
                self._jobs[run_id] = _Job(run_id, owner, job_name, spec_dict, config, analysis.total_params,
                                          created_at, analysis.macs, estimate_s)
                self._queue.append(run_id)
        self.runner.wake()
        return run_id

    def checked(self, spec: object, config: TrainConfig | Mapping) -> tuple[Analysis, TrainConfig, float]:
        """The stack's analysis, the settings and the estimated seconds of a job, when the server would
        accept it now (its stack, the caps, the challenge, the memory and time limits, but not the queue's
        room); raise `JobRefused` saying why not. Train calls it as the settings change, so a refused job is
        seen before the press."""
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
        estimate_s = self.estimate(analysis.macs, config)
        if estimate_s > self.limits.max_job_seconds:
            raise JobRefused(over_limit_message(estimate_s, self.limits.max_job_seconds))
        return analysis, config, estimate_s

    def estimate(self, macs_per_image: int, config: TrainConfig) -> float:
        """Seconds a job of this size would take on this server, at the speed its finished jobs showed."""
        return self.speed.estimate(macs_per_image, config)

    def _check_queue_caps(self, owner: str) -> None:
        """Refuse a job that would wait beyond the per-owner or whole-queue cap (called under the lock).

        Jobs that are queued only until the driver's next step starts them (a slot is free) do not count as
        waiting, so a job submitted right after another into an idle server is not refused.
        """
        free = max(0, self.limits.max_running - self._busy())
        if len(self._queue) < free:
            return  # this job starts at once
        waiting = [self._jobs[run_id] for run_id in list(self._queue)[free:]]
        mine = sum(job.owner == owner for job in waiting)
        if mine >= self.limits.max_queued_per_owner:
            cap = self.limits.max_queued_per_owner
            raise JobRefused(
                f"you already have {mine} job{'s' * (mine != 1)} waiting in the queue; the cap is {cap} "
                f"waiting job{'s' * (cap != 1)} per student so that everyone gets a turn — wait for it to "
                "start, or stop it"
            )
        if len(waiting) >= self.limits.max_queued:
            raise JobRefused(
                f"the queue is full ({self.limits.max_queued} jobs waiting, the server's cap); "
                "try again when some have started"
            )

    def snapshot(self, job_id: object, owner: object) -> JobSnapshot | None:
        """The job as it is now, or None if there is no such job for this owner."""
        if not is_run_id(job_id) or not is_owner_token(owner):
            return None
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return self._live_snapshot(job) if job.owner == owner else None
        record = self.store.get(job_id, owner)
        return self._stored_snapshot(record) if record else None

    def jobs(self, owner: object) -> list[JobSnapshot]:
        """All of the owner's jobs, live and stored, newest first."""
        records = self.store.runs(owner)
        with self._lock:
            live = {job.run_id: self._live_snapshot(job) for job in self._jobs.values() if job.owner == owner}
        return [live.get(record.run_id) or self._stored_snapshot(record) for record in records]

    def live_jobs(self) -> list[JobSnapshot]:
        """Every owner's waiting and training jobs, for the teacher's dashboard (never for a student page)."""
        with self._lock:
            return [self._live_snapshot(job) for job in self._jobs.values()]

    def stop(self, job_id: object, owner: object) -> bool:
        """Stop the owner's job: a queued one never starts, a running one ends at its next batch and keeps the
        model trained so far. True if a stop was started, False for an unknown, foreign or finished job."""
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
            if waiting:
                self._change(job, JobState.STOPPED, QUEUED_STOP_MESSAGE)
                self._drop(job)
            else:
                self._change(job, JobState.STOPPING,
                             "stopping at the next batch; the model trained so far is kept")
        self.runner.wake()
        return True

    def result(self, job_id: object, owner: object) -> RunResult | None:
        """The finished (or stopped) run's test result: confusion matrix and per-image predictions."""
        return self.store.result(job_id, owner)

    def model_file(self, job_id: object, owner: object, fmt: RunFile = ModelFormat.H5) -> Path | None:
        """Path of the trained model file (.h5 by default, or an export of it) for download, or None."""
        return self.store.model_file(job_id, owner, fmt)

    def queue_plan(self) -> QueuePlan:
        """Expected waits of the queued jobs (oldest first) and seconds until every job has ended."""
        with self._lock:
            return self._plan()

    def _plan(self) -> QueuePlan:
        """`queue_plan` under the lock: running jobs by their pace, queued ones by their estimates."""
        running = [job.running() for job in self._jobs.values() if job.handle is not None]
        queued = [self._jobs[run_id].estimate_s for run_id in self._queue]
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
            if not job.state.is_final:
                self._change(job, JobState.INTERRUPTED, SHUTDOWN_MESSAGE)
        self.store.release_lease(self._lease)

    def _change(self, job: _Job, state: JobState, message: str, **figures: float | None) -> None:
        """The one place a job's state changes: in memory (with `figures`: test loss and accuracy, speed),
        then in its row of the runs index, which also gets the training time of a final state."""
        with self._changing:
            with self._lock:
                job.state, job.message = state, message
                for name, value in figures.items():
                    setattr(job, name, value)
                if state == JobState.RUNNING and job.started is None:
                    job.started = time.monotonic()
                if state.is_final:
                    job.ended = job.ended or time.monotonic()
                    figures["elapsed_s"] = job.elapsed()
            self.store.set_state(job.run_id, state, message, **figures)

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
                    job.over_limit = True
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
        """Start queued jobs, oldest first, while fewer than `max_running` hold a worker."""
        with self._lock:
            starting = []
            while self._queue and self._busy() < self.limits.max_running:
                starting.append(self._jobs[self._queue.popleft()])
        for job in starting:
            payload = {"spec": job.spec, "config": config_to_dict(job.config)}
            class_set = self._class_set_for(job)
            if class_set is not None:
                payload["class_set"] = class_set.payload()
                with self._lock:
                    job.class_ids = class_set.ids
            try:
                handle = self.runner.start("train", payload)
            except Exception as error:  # e.g. no memory left to start a process: this job fails, others go on
                self._change(job, JobState.FAILED, f"the server could not start a training process "
                                                   f"({type(error).__name__}); try again in a minute")
                self._drop(job)
                continue
            with self._changing:
                with self._lock:
                    job.handle, job.started = handle, time.monotonic()
                if job.state == JobState.QUEUED:  # else its owner stopped it while it started: it stops
                    self._change(job, JobState.RUNNING, "starting")

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
            elif kind == "testing":
                job.message = TESTING_MESSAGE
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
        store.save_model(job.run_id, ModelFormat.KERAS, event["keras"])
        store.save_result(job.run_id, RunResult(
            test_loss=event["test_loss"], test_accuracy=event["test_accuracy"],
            confusion=tuple(tuple(row) for row in event["confusion"]),
            predicted=event["predicted"], confidence=event["confidence"],
        ))
        tested = scored_on(sum(map(sum, event["confusion"])))
        with self._lock:
            metrics = job.metrics()
            speed = event["samples_per_second"] or job.samples_per_second
        store.save_metrics(job.run_id, metrics)
        if event["stopped"] and job.over_limit:
            state = JobState.STOPPED
            message = LIMIT_MESSAGE.format(limit=duration(self.limits.max_job_seconds), tested=tested)
        elif event["stopped"]:
            state, message = JobState.STOPPED, STOPPED_MESSAGE.format(tested=tested)
        else:
            state, message = JobState.FINISHED, ""
        self._change(job, state, message, test_loss=event["test_loss"], test_accuracy=event["test_accuracy"],
                     samples_per_second=speed)
        if state == JobState.FINISHED:  # its training clock: images trained and seconds in training steps
            seconds = event["seconds"]
            self.speed.record(job.macs, seconds * (event["samples_per_second"] or 0.0), seconds)
        class_figures = event.get("class_set")
        if class_figures is not None and self._class_set is not None:
            try:
                self._class_set.record(job.run_id, job.owner,
                                       ClassScore.from_figures(job.class_ids, class_figures))
            except Exception:  # the run is finished and stored: only its class score (which Results can
                _log.exception("could not record run %s's class score", job.run_id)  # make again) is lost

    def _fail(self, job: _Job, message: str) -> None:
        """Mark the job failed with a message for the student, keeping the curves it produced."""
        with self._lock:
            metrics = job.metrics()
        self.store.save_metrics(job.run_id, metrics)
        self._change(job, JobState.FAILED, message)

    # ---- snapshots -------------------------------------------------------------------------------------

    def _live_snapshot(self, job: _Job) -> JobSnapshot:
        """A snapshot of a live job (called under the lock)."""
        position = self._queue.index(job.run_id) + 1 if job.run_id in self._queue else None
        wait_s = self._plan().waits_s[position - 1] if position is not None else None
        return JobSnapshot(
            job_id=job.run_id, owner=job.owner, name=job.name, state=job.state, queue_position=position,
            epoch=max(job.epoch, 1) if job.started is not None else 0, epochs=job.config.epochs,
            step=job.step, steps_per_epoch=job.steps_per_epoch, batch_points=tuple(job.batch_points),
            epochs_history=tuple(job.epochs), samples_per_second=job.samples_per_second,
            elapsed_s=job.elapsed(), eta_s=job.eta(), message=job.message, test_loss=job.test_loss,
            test_accuracy=job.test_accuracy, params=job.params, created_at=job.created_at, config=job.config,
            spec=job.spec, estimate_s=None if job.state.is_final else job.estimate_s, wait_s=wait_s,
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
            config=config, spec=record.spec,
        )


def scored_on(images: int) -> str:
    """How many test images a run was scored on: 10000 → "all 10,000 test images", 1200 → "1,200 of the
    10,000 test images" (a stopped run is tested only as long as a quick stop allows)."""
    if images >= TEST_IMAGES:
        return f"all {TEST_IMAGES:,} test images"
    return f"{images:,} of the {TEST_IMAGES:,} test images"


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
