"""A job's time: the estimate against real jobs, how one student's tiny jobs move it, and Stop → final state
for the worst jobs the server accepts.

    python bench/job_time.py [--rounds 2] [--json]

This process plays the web server: it owns a `JobManager` over a fresh runs directory (so the speed figure
starts from its first guess) with one job training at a time.

1. Estimate vs actual: jobs of different sizes one after the other; for each, the estimate made at submit
   (with what the server learned from the jobs before it) against the time the job took, as a ratio.
2. Poisoning: one student runs five 100-image jobs of the issue's huge Dense stack (fixed costs dominate);
   the estimate of a 10-epoch convnet job before and after, as a ratio (1.0: not moved).
3. Stop → final state, the worst accepted: stacks that are each as slow as a batch may be in one way — the
   issue's wide padding (activation traffic), 1024 filters (multiply-adds), 4.77 M weights (weight updates),
   a padded batch-normalised map (activation traffic with weights) — each at the largest batch the server
   accepts (`estimate.largest_batch`, at the cautious speed `submit` judges batches at) and the memory cap
   allows. Stop is pressed right after a live point (the next compiled call has just begun: the longest wait
   for a batch) and, in a second job, as testing begins; the time from the press to the final state is
   measured, with the batch's real time against its estimate. Goal: every one ≤ 5 s.

The machine may be shared: figures vary from run to run; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import MAX_BATCH_SIZE, MIN_TRAIN_SIZE, Optimizer, TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.estimate import StackCost, batch_seconds, largest_batch
from cnnlab.engine.jobs import TESTING_MESSAGE, JobLimits, JobManager, JobSnapshot, activation_bytes
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab, Settings
from cnnlab.testing.polling import wait_until
from cnnlab.testing.stacks import SLOW_TO_TRAIN

JOBS = (  # (label, spec, settings): small to large
    ("mlp, 1 epoch on 6,000", preset_spec("mlp"), TrainConfig(epochs=1, train_size=6000)),
    ("convnet, 1 epoch on 6,000", preset_spec("convnet"), TrainConfig(epochs=1, train_size=6000)),
    ("lenot, 2 epochs on 12,000", preset_spec("lenot"), TrainConfig(epochs=2, train_size=12000)),
    ("convnet, 3 epochs on 60,000", preset_spec("convnet"), TrainConfig(epochs=3)),
    ("batchnorm, 1 epoch on 20,000", preset_spec("batchnorm"), TrainConfig(epochs=1, train_size=20000)),
)
HUGE_DENSE = {"input_shape": [28, 28, 1], "layers": [
    {"type": "Flatten"}, {"type": "Dense", "units": 6000, "activation": "relu"},
    {"type": "Dense", "units": 10, "activation": "softmax"}]}
TINY_JOB = TrainConfig(epochs=3, train_size=100, validation_split=0.0, optimizer=Optimizer.ADAM)
CONVNET_10 = TrainConfig(epochs=10, train_size=30_000, validation_split=0.0, optimizer=Optimizer.ADAM)
WORST = {  # stacks each as slow as one batch may be in one way (see the module docstring)
    "wide padding (ZeroPadding2D 64 → Conv2D 4)": {"input_shape": [28, 28, 1], "layers": [
        {"type": "ZeroPadding2D", "padding": 64},
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
        {"type": "GlobalAveragePooling2D"}, {"type": "Dense", "units": 10, "activation": "softmax"}]},
    "1024 filters (Conv2D 1024 → Conv2D 1024 1×1)": SLOW_TO_TRAIN,
    "4.77 M weights (Dense 6000)": HUGE_DENSE,
    "padded batch norm (ZeroPadding2D 64 → BatchNormalization)": {"input_shape": [28, 28, 1], "layers": [
        {"type": "ZeroPadding2D", "padding": 64}, {"type": "BatchNormalization"},
        {"type": "Conv2D", "filters": 16, "kernel_size": 1, "activation": "relu"},
        {"type": "MaxPooling2D", "pool_size": 2}, {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"}]},
}
STOP_GOAL_S = 5.0
JOB_TIMEOUT_S = 3600


def wait(manager: JobManager, owner: str, job_id: str, done, every_s: float = 0.02) -> JobSnapshot:
    """Poll the job until `done(snapshot)`; returns that snapshot."""

    def reached() -> JobSnapshot | None:
        snapshot = manager.snapshot(job_id, owner)
        return snapshot if done(snapshot) else None

    return wait_until(reached, JOB_TIMEOUT_S, f"job {job_id}", every_s=every_s)


def estimates(manager: JobManager) -> list[dict]:
    """Part 1: each job's estimate at submit against its real time."""
    rows = []
    for label, spec, config in JOBS:
        owner = new_owner_token()
        estimate = manager.estimate(analyze(spec), config)
        job_id = manager.submit(owner, spec, config)
        final = wait(manager, owner, job_id, lambda s: s.state.is_final, every_s=0.1)
        rows.append({"job": label, "estimate_s": round(estimate, 1), "actual_s": round(final.elapsed_s, 1),
                     "ratio": round(estimate / final.elapsed_s, 2), "state": str(final.state)})
    return rows


def poisoning(manager: JobManager) -> dict:
    """Part 2: five tiny jobs of the huge Dense stack from one student; a convnet's estimate before, after."""
    convnet = analyze(preset_spec("convnet"))
    before = manager.estimate(convnet, CONVNET_10)
    mischief = new_owner_token()
    for _ in range(5):
        job_id = manager.submit(mischief, HUGE_DENSE, TINY_JOB)
        wait(manager, mischief, job_id, lambda s: s.state.is_final, every_s=0.1)
    after = manager.estimate(convnet, CONVNET_10)
    return {"convnet_10_epochs_before_s": round(before, 1), "after_s": round(after, 1),
            "ratio": round(after / before, 2), "speed": manager.speed.macs_per_second()}


@dataclass(frozen=True)
class Worst:
    """One of the slowest accepted jobs: its stack, batch and settings."""

    label: str
    spec: dict
    config: TrainConfig
    batch_estimate_s: float


def worst_jobs(manager: JobManager) -> list[Worst]:
    """Each `WORST` stack at the largest batch the server accepts now (and the memory cap allows), on a few
    batches of images with a fifth held out, so a Stop may land in training, in validation or in testing."""
    speed = manager.speed.cautious_macs_per_second()
    jobs = []
    for label, spec in WORST.items():
        analysis = analyze(spec)
        cost = StackCost.of(analysis)
        batch = min(largest_batch(cost, speed), MAX_BATCH_SIZE)
        while activation_bytes(analysis.layers, batch) > manager.limits.max_activation_bytes:
            batch -= 1
        images = max(MIN_TRAIN_SIZE, 5 * batch)
        config = TrainConfig(epochs=2, batch_size=batch, train_size=images, validation_split=0.2,
                             optimizer=Optimizer.ADAM)
        jobs.append(Worst(label, spec, config, batch_seconds(cost, batch, speed)))
    return jobs


def stop_time(manager: JobManager, job: Worst, during: str) -> dict | None:
    """Submit `job` (`submit` accepts it or the bench fails), press Stop `during` "training" (right after a
    live point) or "testing", and time Stop → final state; also the real time of one batch (from the live
    points) against its estimate. None when the job ended before Stop could be pressed."""
    owner = new_owner_token()
    job_id = manager.submit(owner, job.spec, job.config)
    if during == "training":
        live = wait(manager, owner, job_id, lambda s: len(s.batch_points) >= 1 or s.state.is_final)
    else:
        live = wait(manager, owner, job_id, lambda s: s.message == TESTING_MESSAGE or s.state.is_final)
    pressed = time.monotonic()
    if not manager.stop(job_id, owner):
        return None
    final = wait(manager, owner, job_id, lambda s: s.state.is_final)
    stop_s = time.monotonic() - pressed
    per_batch = None
    if len(final.batch_points) >= 2 and final.samples_per_second:
        per_batch = job.config.batch_size / final.samples_per_second
    return {"stack": job.label, "batch_size": job.config.batch_size, "during": during,
            "stop_to_final_s": round(stop_s, 2), "state": str(final.state),
            "pressed_at_state": str(live.state),
            "batch_estimate_s": round(job.batch_estimate_s, 2),
            "batch_actual_s": None if per_batch is None else round(per_batch, 2), "message": final.message}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="Stop measurements per stack and moment")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cnnlab-job-time-"))
    # an hour's limit: a Stop must be quick for any job a teacher's CNNLAB_MAX_JOB_MINUTES lets through; room
    # for one student's five 57 MB runs (part 2)
    limits = JobLimits(max_running=1, max_job_seconds=3600, max_student_bytes=10**9)
    lab = Lab(Settings(runs_dir=root), limits=limits).start()
    manager = lab.jobs
    load = [os.getloadavg()[0]]
    try:
        rows = estimates(manager)
        for row in rows:
            if not args.json:
                print(f"{row['job']:32} estimate {row['estimate_s']:7.1f} s   actual {row['actual_s']:7.1f} s"
                      f"   ratio {row['ratio']:.2f}", flush=True)
        poisoned = poisoning(manager)
        if not args.json:
            print(f"10-epoch convnet estimate: {poisoned['convnet_10_epochs_before_s']} s before five tiny "
                  f"huge-Dense jobs of one student, {poisoned['after_s']} s after "
                  f"(ratio {poisoned['ratio']})", flush=True)
        stops = []
        for job in worst_jobs(manager):
            for _ in range(args.rounds):
                for during in ("training", "testing"):
                    measured = stop_time(manager, job, during)
                    load.append(os.getloadavg()[0])
                    if measured is None:
                        continue
                    stops.append(measured)
                    if not args.json:
                        s = stops[-1]
                        print(f"{s['stack']:58} batch {s['batch_size']:5} Stop during {during:8} → "
                              f"{s['state']} in {s['stop_to_final_s']:5.2f} s (a batch: estimated "
                              f"{s['batch_estimate_s']} s, took {s['batch_actual_s']} s)", flush=True)
    finally:
        lab.close()
    ratios = [row["ratio"] for row in rows]
    worst = max(stops, key=lambda s: s["stop_to_final_s"])
    summary = {"jobs": rows, "median_ratio": statistics.median(ratios), "poisoning": poisoned, "stops": stops,
               "worst_stop_s": worst["stop_to_final_s"], "worst_stop": worst,
               "median_stop_s": statistics.median(s["stop_to_final_s"] for s in stops),
               "goal_met": worst["stop_to_final_s"] <= STOP_GOAL_S,
               "load_average": [round(min(load), 1), round(max(load), 1)]}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"median estimate / actual: {summary['median_ratio']:.2f} (range {min(ratios)}–{max(ratios)})")
        print(f"worst accepted job's Stop → final state: {worst['stop_to_final_s']} s ({worst['stack']}, "
              f"batch {worst['batch_size']}, during {worst['during']}); "
              f"median {summary['median_stop_s']:.2f} s; "
              f"goal ≤ {STOP_GOAL_S:g} s {'met' if summary['goal_met'] else 'NOT met'}; load average "
              f"{summary['load_average'][0]}–{summary['load_average'][1]}")


if __name__ == "__main__":
    main()
