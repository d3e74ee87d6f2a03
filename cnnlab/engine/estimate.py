"""How long a training job will take on this server, how long one batch takes (Stop waits for it), and how
long each queued job will wait.

A job's work is counted in multiply-accumulate equivalents ("MACs") from the stack's own arithmetic
(`StackCost`): a training image costs its forward pass plus about twice that backward (3 × MACs), plus the
memory traffic of every layer's output (`ACTIVATION_MACS` per value: a ZeroPadding2D or a BatchNormalization
on a big map does no multiplications but is far from free), plus a fixed share per image
(`IMAGE_OVERHEAD_MACS`); a scored (validation or test) image costs a third of that, forward only; every
training step updates every weight (`WEIGHT_UPDATE_MACS` each) and pays a fixed overhead
(`STEP_OVERHEAD_MACS`), so a huge Dense stack trained on a hundred images is not mistaken for a slow server.
Seconds are the job's fixed seconds (starting, tracing, saving) plus its work divided by this server's speed.

Both figures are learned from the jobs the server finished (`SpeedMeter`, persisted in the runs directory),
and robustly: each student's jobs count as one vote (the median of their last few), the server's figure is
the median of the votes, and it never falls below `SPEED_FLOOR` — one student's odd jobs cannot make everyone
else's look many times longer. Plain arithmetic, no TensorFlow.

    StackCost(858_304, 19_418, 60_874)   # the convnet: MACs, activation values and weights per image
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab.core.hyper import MIN_BATCH_SIZE, TrainConfig
from cnnlab.core.mnist import TEST_IMAGES
from cnnlab.core.text import duration
from cnnlab.engine.paths import atomic_write_text, read_json

if TYPE_CHECKING:
    from cnnlab.core.arithmetic import Analysis

BACKWARD_FACTOR = 3  # forward + backward ≈ 3 forward passes
ACTIVATION_MACS = 300  # per value of a layer's output, forward and backward: memory traffic, in MAC time
IMAGE_OVERHEAD_MACS = 200_000  # per training image, whatever the stack: input pipeline, loss, metrics
WEIGHT_UPDATE_MACS = 800  # per weight and training step: the optimizer reads and writes it and its slots
STEP_OVERHEAD_MACS = 100_000_000  # per training step: dispatch and bookkeeping of one compiled step
STARTUP_S = 8.0  # per job, first guess: handing it to a warm worker, building and tracing the model, saving
SLOW_LAPTOP_MACS_PER_S = 2e10  # speed of a slow, busy 2-core laptop: what we assume before we know better
FIRST_GUESS_MACS_PER_S = SLOW_LAPTOP_MACS_PER_S  # cautious: a first estimate may be long, never far too short
SPEED_FLOOR = SLOW_LAPTOP_MACS_PER_S / 2  # the learned speed never goes below this, whatever jobs it saw
MAX_BATCH_SECONDS = 1.5  # Stop is honoured between batches: one batch may take at most this long (estimated)
SPEED_FILE = "speed.json"
DEFAULT_MAX_JOB_SECONDS = 600.0  # the server's limit on one job's estimated time, unless configured
OVERRUN_FACTOR = 1.5  # a running job is stopped at the limit only if its pace says it would run this far over
MIN_TRAINING_S = 0.2  # steady training shorter than this tells too little about the speed
KEPT_JOBS = 60  # the speed file keeps the figures of this many recent jobs
VOTES_PER_STUDENT = 5  # a student's vote is the median of their last this many jobs
FIXED_S_RANGE = (1.0, 60.0)  # a learned fixed time per job stays in this range


@dataclass(frozen=True)
class StackCost:
    """What a stack costs per image and per step, from its arithmetic (`cnnlab.core.arithmetic.analyze`)."""

    macs: int  # multiply-accumulates of one forward pass of one image
    activations: int  # values in every layer's output, for one image
    params: int  # weights the optimizer updates at every step

    @classmethod
    def of(cls, analysis: Analysis) -> StackCost:
        """The cost of an analysed stack: the convnet → StackCost(858304, 19418, 60874)."""
        return cls(analysis.macs, sum(layer.output_size for layer in analysis.layers), analysis.total_params)

    @property
    def train_image(self) -> float:
        """Work of one training image: the convnet → 3 × 858,304 + 300 × 19,418 + 200,000 = 8,600,312."""
        return BACKWARD_FACTOR * self.macs + ACTIVATION_MACS * self.activations + IMAGE_OVERHEAD_MACS

    @property
    def scored_image(self) -> float:
        """Work of one validation or test image, forward only: the convnet → 8,600,312 / 3 ≈ 2,866,771."""
        return self.train_image / BACKWARD_FACTOR

    @property
    def step(self) -> float:
        """Work of one training step besides its images: the convnet → 800 × 60,874 + 10⁸ = 148,699,200."""
        return WEIGHT_UPDATE_MACS * self.params + STEP_OVERHEAD_MACS

    def batch(self, batch_size: int) -> float:
        """Work of one training step of `batch_size` images."""
        return batch_size * self.train_image + self.step


def job_work(cost: StackCost, config: TrainConfig) -> float:
    """The job's work: its training steps, validation after every epoch, and the final test.

    The convnet, 1 epoch on 6,000 images with 10 % held out at batch 128 (43 steps): 5,400 × 8,600,312 +
    43 × 148,699,200 + (600 + 10,000) × 8,600,312 / 3 ≈ 83,223,519,467.
    """
    scored = config.validation_size * config.epochs + TEST_IMAGES
    steps = config.steps_per_epoch * config.epochs
    return config.fit_size * config.epochs * cost.train_image + steps * cost.step + scored * cost.scored_image


def job_seconds(cost: StackCost, config: TrainConfig, macs_per_second: float,
                fixed_s: float = STARTUP_S) -> float:
    """Estimated wall time of the whole job: its fixed seconds plus its work at `macs_per_second`."""
    return fixed_s + job_work(cost, config) / macs_per_second


def batch_seconds(cost: StackCost, batch_size: int, macs_per_second: float) -> float:
    """Seconds one training step of `batch_size` images takes at `macs_per_second`."""
    return cost.batch(batch_size) / macs_per_second


def largest_batch(cost: StackCost, macs_per_second: float, limit_s: float = MAX_BATCH_SECONDS) -> int:
    """The largest batch whose step fits in `limit_s` at `macs_per_second` (0: not even one image fits)."""
    return max(0, math.floor((limit_s * macs_per_second - cost.step) / cost.train_image))


def batch_refusal(cost: StackCost, batch_size: int, macs_per_second: float,
                  limit_s: float = MAX_BATCH_SECONDS) -> str | None:
    """Why a batch is too long for a quick Stop, with the batch size that fits; None when it fits.

    "one batch of 1,024 images of this stack would take about 2.6 s on this server; Stop can only end a job
    between batches, so a batch may take at most 1.5 s — use a batch size of 512 or less"
    """
    seconds = batch_seconds(cost, batch_size, macs_per_second)
    if seconds <= limit_s:
        return None
    why = (f"one batch of {batch_size:,} images of this stack would take about {_seconds(seconds)} on this "
           f"server; Stop can only end a job between batches, so a batch may take at most {limit_s:g} s")
    fits = largest_batch(cost, macs_per_second, limit_s)
    if fits >= MIN_BATCH_SIZE:
        return f"{why} — use a batch size of {fits:,} or less"
    return (f"{why}, and even a batch of {MIN_BATCH_SIZE} is too long — use fewer filters or units, or a "
            "pooling layer earlier")


def _seconds(value: float) -> str:
    """2.63 → "2.6 s", 14.2 → "14 s": a batch's time as people read it."""
    return f"{value:.1f} s" if value < 10 else duration(value)


@dataclass(frozen=True)
class LearnedSpeed:
    """What the server has learned about its own speed, for the teacher's dashboard."""

    macs_per_second: float  # the figure estimates use
    fixed_s: float  # seconds every job costs besides its work
    jobs: int  # finished jobs it learned from (the file keeps the last `KEPT_JOBS`)
    students: int  # how many students those jobs came from: each counts as one vote
    floored: bool  # the votes would have put it below `SPEED_FLOOR`


class SpeedMeter:
    """This server's training speed and fixed seconds per job, learned from the jobs it finished.

    Each finished job reports the work of its steady training steps (after the first compiled call, which
    also traces the model) and their seconds, and how long the job took in all. A student's vote is the
    median of their last `VOTES_PER_STUDENT` jobs; the figure is the median of the votes, never below
    `SPEED_FLOOR`; with no job yet it is the first guess. Kept in `<runs dir>/speed.json` (students appear
    there only as a hash) so a restarted server remembers it; `reset` forgets it.
    """

    def __init__(self, path: Path) -> None:
        """The figures kept in `path` (`<runs dir>/speed.json`), else the first guesses."""
        self.path = path
        self._lock = threading.Lock()
        self._jobs: list[tuple[str, float, float | None]] = _read_jobs(path)  # (student, speed, fixed s)

    def macs_per_second(self) -> float:
        """The speed estimates use: the median of the students' votes, at least `SPEED_FLOOR`."""
        return self.learned().macs_per_second

    def cautious_macs_per_second(self) -> float:
        """The speed a batch's time is judged at: the learned one, but never above a slow laptop's, so a fast
        run of jobs cannot let through a batch that a busy moment would make too long to stop."""
        return min(self.macs_per_second(), SLOW_LAPTOP_MACS_PER_S)

    def learned(self) -> LearnedSpeed:
        """The learned figures and how many jobs and students they come from."""
        with self._lock:
            jobs = list(self._jobs)
        votes = _votes([(student, speed) for student, speed, _ in jobs])
        fixed = _votes([(student, fixed) for student, _, fixed in jobs if fixed is not None])
        speed = statistics.median(votes) if votes else FIRST_GUESS_MACS_PER_S
        fixed_s = statistics.median(fixed) if fixed else STARTUP_S
        return LearnedSpeed(max(speed, SPEED_FLOOR), min(max(fixed_s, FIXED_S_RANGE[0]), FIXED_S_RANGE[1]),
                            len(jobs), len(votes), speed < SPEED_FLOOR)

    def estimate(self, cost: StackCost, config: TrainConfig) -> float:
        """Seconds the job would take on this server now (see `job_seconds`)."""
        learned = self.learned()
        return job_seconds(cost, config, learned.macs_per_second, learned.fixed_s)

    def record(self, student: str, work: float, seconds: float, total_work: float, elapsed_s: float) -> None:
        """Fold one finished job into the figures and persist them: `work` done in `seconds` of steady
        training steps, and the whole job's `total_work` (training, validation, test) done in `elapsed_s`.

        Under `MIN_TRAINING_S` of steady training (a job of one or two steps) it is ignored. The job's fixed
        seconds are what its elapsed time leaves beside its work at its own speed. `student` is kept only
        as a hash.

        The convnet, 50,000 steady images (about 420 MACs · 10⁹) in 10 s → a vote of 4.2·10¹⁰ MACs/s.
        """
        if seconds < MIN_TRAINING_S or work <= 0:
            return
        speed = work / seconds
        fixed = elapsed_s - total_work / speed if elapsed_s > 0 else None
        key = hashlib.sha256(student.encode()).hexdigest()[:16]
        with self._lock:
            self._jobs = [*self._jobs, (key, speed, fixed)][-KEPT_JOBS:]
            document = {"version": 2, "jobs": [list(job) for job in self._jobs]}
        atomic_write_text(self.path, json.dumps(document))

    def reset(self) -> None:
        """Forget every job: estimates start again from the first guesses (the teacher's dashboard)."""
        with self._lock:
            self._jobs = []
        self.path.unlink(missing_ok=True)


def _votes(figures: list[tuple[str, float]]) -> list[float]:
    """One vote per student: the median of their last `VOTES_PER_STUDENT` figures (oldest first in)."""
    by_student: dict[str, list[float]] = {}
    for student, value in figures:
        by_student.setdefault(student, []).append(value)
    return [statistics.median(values[-VOTES_PER_STUDENT:]) for values in by_student.values()]


def _read_jobs(path: Path) -> list[tuple[str, float, float | None]]:
    """The jobs kept in the speed file; [] for a missing, foreign or damaged file (the first guesses hold)."""
    stored = read_json(path, 100_000)
    jobs = stored.get("jobs") if isinstance(stored, dict) and stored.get("version") == 2 else None
    kept = []
    for job in jobs if isinstance(jobs, list) else []:
        if not (isinstance(job, list) and len(job) == 3):
            continue
        student, speed, fixed = job
        if (isinstance(student, str) and isinstance(speed, int | float) and math.isfinite(speed) and speed > 0
                and (fixed is None or (isinstance(fixed, int | float) and math.isfinite(fixed)))):
            kept.append((student, float(speed), None if fixed is None else float(fixed)))
    return kept[-KEPT_JOBS:]


@dataclass(frozen=True)
class RunningJob:
    """What the wait estimate needs of a job that is training now."""

    estimate_s: float  # its estimate before it started
    elapsed_s: float  # since it started
    progress: float  # fraction of its training batches done, 0 to 1


def remaining_seconds(job: RunningJob) -> float:
    """Seconds until a running job ends: from its own pace once it has made progress, else its estimate.

    Its pace covers training; the share of the estimate not spent training yet (testing, saving) stays:
    estimate 100 s, 40 s elapsed at 25 % progress → 40 × 0.75 / 0.25 = 120 s.
    """
    if job.progress <= 0 or job.elapsed_s <= 0:
        return max(job.estimate_s - job.elapsed_s, 0.0)
    return job.elapsed_s * (1 - min(job.progress, 1.0)) / job.progress


@dataclass(frozen=True)
class QueuePlan:
    """Expected waits of the queued jobs, in queue order, and when the whole queue will be done."""

    waits_s: tuple[float, ...]  # until each queued job starts
    empty_in_s: float  # until the last job, running or queued, ends


def queue_plan(running: Sequence[RunningJob], queued: Sequence[float], slots: int) -> QueuePlan:
    """Expected waits of queued jobs (their estimates `queued`, oldest first), `slots` jobs training at once.

    Each queued job takes the slot that frees first: one slot, a running job with 60 s left and two queued
    jobs of 30 s and 90 s → waits (60, 90), empty in 180 s.
    """
    free_at = sorted([remaining_seconds(job) for job in running] + [0.0] * max(slots - len(running), 0))
    free_at = free_at or [0.0]
    waits = []
    for estimate in queued:
        start = free_at.pop(0)
        waits.append(start)
        free_at.append(start + estimate)
        free_at.sort()
    return QueuePlan(tuple(waits), max(free_at, default=0.0))


def over_limit_message(estimate_s: float, limit_s: float) -> str:
    """Why a job is refused, with what to cut: "this job would take about 34 h on this server; the limit is
    10 min — use fewer epochs or images, or fewer filters"."""
    return (f"this job would take about {duration(estimate_s)} on this server; the limit is "
            f"{duration(limit_s)} — use fewer epochs or images, or fewer filters")


def overruns(elapsed_s: float, progress: float, limit_s: float) -> bool:
    """True when a running job has reached the limit and its own pace says it would overrun it far.

    Far: its projected time (elapsed / progress) is over `OVERRUN_FACTOR` × the limit, or it has already
    run that long. 600 s elapsed at 25 % progress with a 600 s limit → projected 2,400 s → True; at 90 %
    → False.
    """
    if elapsed_s < limit_s:
        return False
    if elapsed_s >= OVERRUN_FACTOR * limit_s or progress <= 0:
        return True
    return elapsed_s / progress > OVERRUN_FACTOR * limit_s
