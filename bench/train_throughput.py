"""Training speed: our job manager against plain `model.fit` (same model, data, batch size, epochs), one run.

    python bench/train_throughput.py [--json] [--epochs 3] [--train-size 60000] [--rounds 2]

Plain: the reference's code — float32 arrays x / 255, one-hot labels, categorical cross-entropy,
`model.fit(x, y, batch_size=128)` — in a fresh process with TensorFlow's default threads and the same CPU
niceness as our workers (so both compete alike with anything else on the machine). Ours: the same
convnet submitted to a warm `JobManager` (worker process, tf.data pipeline, steps_per_execution, live
metrics).
Samples per second count training steps only (from each epoch's start to its last batch), for both; the
wall-clock seconds of each run are printed too. Rounds alternate plain / ours to spread machine noise, and
the ratio is taken between the medians. Also measured: seconds from `submit` to the first live point in a
warm manager.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _reference_fit import ReferenceRun, reference_fit

from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import JobLimits, JobManager, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.worker import WorkerSettings
from cnnlab.lab import Lab, Settings
from cnnlab.testing.engine import wait_warm


def plain(config: TrainConfig) -> dict:
    """The reference's code on the same data, at our workers' CPU niceness."""
    return reference_fit(ReferenceRun("convnet", config.epochs, config.train_size, config.batch_size,
                                      config.seed, WorkerSettings().niceness))


def run_ours(manager: JobManager, config: TrainConfig) -> dict:
    """Submit the convnet to the warm manager; time the first live point and the whole job."""
    wait_warm(manager.runner)
    owner = new_owner_token()
    started = time.perf_counter()
    job_id = manager.submit(owner, preset_spec("convnet"), config)
    first_point = None
    while True:
        snapshot = manager.snapshot(job_id, owner)
        if first_point is None and snapshot.batch_points:
            first_point = time.perf_counter() - started
        if snapshot.state.is_final:
            break
        time.sleep(0.02)
    if snapshot.state != JobState.FINISHED:
        raise SystemExit(f"our job ended {snapshot.state}: {snapshot.message}")
    return {"samples_per_second": snapshot.samples_per_second, "wall_s": time.perf_counter() - started,
            "test_accuracy": snapshot.test_accuracy, "first_point_s": first_point}


def print_run(run: dict) -> None:
    """One line per timed run."""
    extra = f", first point {run['first_point_s']:.2f} s" if run["method"] == "ours" else ""
    print(f"round {run['round']} {run['method']:5}: {run['samples_per_second']:8,.0f} samples/s, "
          f"{run['wall_s']:5.1f} s wall, test accuracy {run['test_accuracy']:.4f}{extra}", flush=True)


def main() -> None:
    """Alternate plain and ours for `--rounds`, print each run and the ratio of the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train-size", type=int, default=60000, help="training images (default all 60,000)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    config = TrainConfig(epochs=args.epochs, batch_size=128, train_size=args.train_size, validation_split=0.0)
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-") as root:
        lab = Lab(Settings(runs_dir=Path(root)), limits=JobLimits(max_running=1)).start()  # as the server
        manager = lab.jobs
        try:
            runs = []
            for round_number in range(1, args.rounds + 1):
                for method in ("plain", "ours"):
                    wait_warm(manager.runner)  # the spare's warm-up must not overlap a timed run
                    figures = plain(config) if method == "plain" else run_ours(manager, config)
                    runs.append({"round": round_number, "method": method, **figures})
                    if not args.json:
                        print_run(runs[-1])
        finally:
            lab.close()
    median = {method: statistics.median(r["samples_per_second"] for r in runs if r["method"] == method)
              for method in ("plain", "ours")}
    accuracy = {method: statistics.mean(r["test_accuracy"] for r in runs if r["method"] == method)
                for method in ("plain", "ours")}
    report = {
        "ratio": median["ours"] / median["plain"],
        "ours_samples_per_second": median["ours"],
        "fit_samples_per_second": median["plain"],
        "ours_test_accuracy": accuracy["ours"],
        "fit_test_accuracy": accuracy["plain"],
        "first_point_s": max(r["first_point_s"] for r in runs if r["method"] == "ours"),
        "epochs": config.epochs,
        "train_size": config.train_size,
        "batch_size": config.batch_size,
        "cores": len(os.sched_getaffinity(0)),
        "runs": runs,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"ours / plain = {report['ratio']:.2f}× (medians: {median['ours']:,.0f} vs "
              f"{median['plain']:,.0f} samples/s; {config.epochs} epochs × {config.train_size:,} images, "
              f"batch {config.batch_size}, {report['cores']} cores)")
        print(f"test accuracy: ours {accuracy['ours']:.4f}, plain {accuracy['plain']:.4f} (mean of rounds)")
        print(f"submit → first live point in a warm manager: at most {report['first_point_s']:.2f} s")


if __name__ == "__main__":
    main()
