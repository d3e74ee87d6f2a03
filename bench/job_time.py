"""The job time estimate against real jobs, and how fast Stop ends the 1024-filter stack.

    python bench/job_time.py [--json]

This process plays the web server: it owns a `JobManager` over a fresh runs directory (so the speed figure
starts from its first guess), runs jobs of different sizes one after the other and prints, for each, the
estimate made at submit (with the speed learned from the jobs before it) against the time the job took,
as a ratio. Then it trains the issue's 1024-filter stack (Conv2D 1024@3×3 same → Conv2D 1024@1×1 →
GlobalAveragePooling2D → Dense 10), presses Stop after its first live point, and times Stop → final state
(goal: about 5 s), with how many test images the stopped model was scored on. The machine may be shared:
the figures vary from run to run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import JobLimits, JobManager, JobSnapshot
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
SLOW_STOP = TrainConfig(epochs=5, batch_size=32, train_size=320)
JOB_TIMEOUT_S = 3600


def wait(manager: JobManager, owner: str, job_id: str, done) -> JobSnapshot:
    """Poll the job every 50 ms until `done(snapshot)`; returns that snapshot."""

    def reached() -> JobSnapshot | None:
        snapshot = manager.snapshot(job_id, owner)
        return snapshot if done(snapshot) else None

    return wait_until(reached, JOB_TIMEOUT_S, f"job {job_id}", every_s=0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cnnlab-job-time-"))
    # an hour's limit: scoring the 1024-filter stack on all 10,000 test images alone may estimate over 10 min
    lab = Lab(Settings(runs_dir=root), limits=JobLimits(max_running=1, max_job_seconds=3600)).start()
    manager = lab.jobs
    rows = []
    try:
        for label, spec, config in JOBS:
            owner = new_owner_token()
            estimate = manager.estimate(analyze(spec).macs, config)
            job_id = manager.submit(owner, spec, config)
            final = wait(manager, owner, job_id, lambda s: s.state.is_final)
            rows.append({"job": label, "estimate_s": round(estimate, 1),
                         "actual_s": round(final.elapsed_s, 1), "ratio": round(estimate / final.elapsed_s, 2),
                         "state": str(final.state)})
            if not args.json:
                print(f"{label:32} estimate {estimate:7.1f} s   actual {final.elapsed_s:7.1f} s   "
                      f"ratio {estimate / final.elapsed_s:.2f}", flush=True)
        owner = new_owner_token()
        estimate = manager.estimate(analyze(SLOW_TO_TRAIN).macs, SLOW_STOP)
        job_id = manager.submit(owner, SLOW_TO_TRAIN, SLOW_STOP)
        wait(manager, owner, job_id, lambda s: len(s.batch_points) >= 1)
        pressed = time.monotonic()
        manager.stop(job_id, owner)
        final = wait(manager, owner, job_id, lambda s: s.state.is_final)
        stop = {"stop_to_final_s": round(time.monotonic() - pressed, 2), "state": str(final.state),
                "message": final.message, "estimate_s": round(estimate, 1)}
    finally:
        lab.close()
    ratios = [row["ratio"] for row in rows]
    summary = {"jobs": rows, "median_ratio": statistics.median(ratios), "wide_stop": stop}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"median estimate / actual: {summary['median_ratio']:.2f} (range {min(ratios)}–{max(ratios)})")
        print(f"1024-filter stack: Stop → {stop['state']} in {stop['stop_to_final_s']} s ({stop['message']})")


if __name__ == "__main__":
    main()
