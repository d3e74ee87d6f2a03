"""How long a training job will take on this server, and how long each queued job will wait.

A job's work is counted in multiply-accumulates (MACs) from the stack's own arithmetic: a training image costs
its forward pass plus about twice that backward (3 × MACs per image), a validation or test image one forward
pass, and every image a fixed share of pipeline and optimizer bookkeeping that does not grow with the stack
(`IMAGE_OVERHEAD_MACS`, so a tiny MLP does not look free). Seconds are work divided by this server's speed: a
running figure kept from the jobs it finished (`SpeedMeter`, persisted in the runs directory), starting from a
cautious first guess. Plain arithmetic, no TensorFlow.

    job_seconds(858_304, TrainConfig(), 4e10)   # the convnet, 5 epochs on 60,000 images → about 28 s
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cnnlab.core.hyper import TrainConfig
from cnnlab.core.mnist import TEST_IMAGES
from cnnlab.core.text import duration
from cnnlab.engine.paths import atomic_write_text, read_json

BACKWARD_FACTOR = 3  # forward + backward ≈ 3 forward passes
IMAGE_OVERHEAD_MACS = 200_000  # per image, whatever the stack: input pipeline, loss, metrics, weight update
STARTUP_S = 8.0  # per job: handing it to a warm worker, building and tracing the model, saving its files
SLOW_LAPTOP_MACS_PER_S = 2e10  # training speed of a slow 2-core laptop: what we assume before we know better
FIRST_GUESS_MACS_PER_S = SLOW_LAPTOP_MACS_PER_S  # cautious: a first estimate may be long, never far too short
SPEED_FILE = "speed.json"
DEFAULT_MAX_JOB_SECONDS = 600.0  # the server's limit on one job's estimated time, unless configured
OVERRUN_FACTOR = 1.5  # a running job is stopped at the limit only if its pace says it would run this far over
_SMOOTHING = 0.3  # weight of the newest job in the running speed figure
MIN_TRAINING_S = 1.0  # a job that trained for less tells too little about the speed


def job_macs(macs_per_image: int, config: TrainConfig) -> float:
    """The job's work in MACs: training, validation after every epoch, and the final test.

    The convnet (858,304 MACs per image), 1 epoch on 6,000 images with 10 % held out:
    5,400 × (3 × 858,304 + 200,000) + (600 + 10,000) × (858,304 + 200,000) = 26,202,547,200.
    """
    per_train_image = BACKWARD_FACTOR * macs_per_image + IMAGE_OVERHEAD_MACS
    per_scored_image = macs_per_image + IMAGE_OVERHEAD_MACS
    scored = config.validation_size * config.epochs + TEST_IMAGES
    return config.fit_size * config.epochs * per_train_image + scored * per_scored_image


def job_seconds(macs_per_image: int, config: TrainConfig, macs_per_second: float) -> float:
    """Estimated wall time of the whole job at `macs_per_second`: startup plus its work at that speed."""
    return STARTUP_S + job_macs(macs_per_image, config) / macs_per_second


class SpeedMeter:
    """This server's training speed in MACs per second, learned from the jobs it finished.

    Measured on training steps only (the trainer's own clock, without startup, validation or testing), so a
    tiny job whose time is mostly startup does not drag the figure down. Kept in `<runs dir>/speed.json` so a
    restarted server remembers it. The first finished job counts half against the first guess, the second a
    third, later ones 0.3 each (a job run while the machine was busy does not throw it off alone).
    """

    def __init__(self, path: Path) -> None:
        """The speed kept in `path` (`<runs dir>/speed.json`), else the first guess."""
        self.path = path
        self._lock = threading.Lock()
        stored = read_json(self.path, 10_000)
        stored = stored if isinstance(stored, dict) else {}
        speed, jobs = stored.get("macs_per_second"), stored.get("jobs")
        valid = isinstance(speed, int | float) and speed > 0 and isinstance(jobs, int) and jobs >= 0
        self._speed, self._jobs = (float(speed), jobs) if valid else (FIRST_GUESS_MACS_PER_S, 0)

    def macs_per_second(self) -> float:
        """The current speed figure."""
        return self._speed

    def estimate(self, macs_per_image: int, config: TrainConfig) -> float:
        """Seconds the job would take on this server now (see `job_seconds`)."""
        return job_seconds(macs_per_image, config, self._speed)

    def record(self, macs_per_image: int, images: float, seconds: float) -> None:
        """Fold one finished job's training — `images` trained in `seconds` of training steps — into the
        speed figure and persist it. Under `MIN_TRAINING_S` of training it is ignored.

        The convnet, 162,000 images in 10 s → 162,000 × (3 × 858,304 + 200,000) / 10 ≈ 4.5e10 MACs/s.
        """
        if seconds < MIN_TRAINING_S or images <= 0:
            return
        observed = images * (BACKWARD_FACTOR * macs_per_image + IMAGE_OVERHEAD_MACS) / seconds
        with self._lock:
            weight = max(_SMOOTHING, 1 / (self._jobs + 2))
            self._speed = (1 - weight) * self._speed + weight * observed
            self._jobs += 1
            document = {"macs_per_second": self._speed, "jobs": self._jobs}
        atomic_write_text(self.path, json.dumps(document))


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
