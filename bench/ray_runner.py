"""The Ray runner against local worker processes: the same small job through both, and jobs spread over nodes.

    python bench/ray_runner.py [--json] [--rounds 5] [--train-size 6000] [--spread-jobs 4]

1. Overhead: a Ray head with 2 CPUs on 127.0.0.1; the reference convnet, 1 epoch of `--train-size` images,
   through `LocalProcessRunner` (2 threads) and `RayRunner` (2 CPUs per job) in alternating rounds, each
   runner with a warm spare (as the job manager keeps one). Wall time from `start` to "done", model files
   back in this process; the ratio is Ray's median over local's median.
2. Stop: one longer job on Ray, Stop after its first live point; seconds until training ended ("testing")
   and until the stopped model was back. Then one job of 1 epoch over all 54,000 training images on Ray.
3. Spread: a second cluster of two raylets with 1 CPU each (two "lab PCs" on this machine); `--spread-jobs`
   small jobs of 1 CPU each started at once; each job's node is printed, and the number of nodes used.
4. A lab PC switched off: one job on each raylet, the second raylet killed mid-job; how each job ended.

Everything stays on 127.0.0.1 (`cnnlab.testing.ray_cluster`). From the per-job figures it also works out
the README's figures on paper: a default job (5 epochs of 54,000 images: the 1-epoch job plus 4 more epochs of
its training time) and the makespan of 30 and 300 such jobs on 30 two-core lab PCs (each job also waits for
its actor's warm-up, as measured).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cnnlab.core.hyper import TrainConfig, config_to_dict
from cnnlab.core.presets import preset_spec
from cnnlab.testing.engine import wait_warm
from cnnlab.testing.ray_cluster import LocalRayCluster

DEFAULT_JOB = TrainConfig()  # what a student's job trains unless changed: 5 epochs, 54,000 images
LAB_PCS = 30


def run_job(runner: object, config: TrainConfig, stop_after_first_point: bool = False) -> dict:
    """One convnet job from `start` to "done": wall seconds, events' figures, where it ran."""
    started = time.perf_counter()
    task = runner.start("train", {"spec": preset_spec("convnet"), "config": config_to_dict(config)})
    finished, training_ended, stop_asked = None, None, None
    while True:
        runner.wait([task], 1.0)
        events = task.events()
        for event in events:
            if event["event"] == "batch" and stop_after_first_point and stop_asked is None:
                task.request_stop()
                stop_asked = time.perf_counter()
            elif event["event"] == "testing":
                training_ended = time.perf_counter()
            elif event["event"] == "finished":
                finished = event
            elif event["event"] == "failed":
                raise RuntimeError(event["message"])
        if events and events[-1]["event"] == "done":
            break
    seconds = time.perf_counter() - started
    node = task.node() if hasattr(task, "node") else None
    return {"seconds": seconds, "train_s": finished["seconds"],
            "samples_per_second": finished["samples_per_second"],
            "test_accuracy": finished["test_accuracy"], "node": node.to_json() if node else None,
            "stop_s": training_ended - stop_asked if stop_asked else None,
            "stop_to_saved_s": seconds - (stop_asked - started) if stop_asked else None}


def warm(runner: object) -> float:
    """Keep one spare worker and wait until it has TensorFlow imported and warmed up; the seconds waited."""
    started = time.perf_counter()
    runner.prewarm(1)
    wait_warm(runner)
    return time.perf_counter() - started


def overhead(rounds: int, config: TrainConfig) -> dict:
    """Part 1 and 2: local against Ray, alternating, then a stopped job on Ray."""
    cluster = LocalRayCluster(num_cpus=2)
    try:
        from cnnlab.engine.ray_runner import RayRunner
        from cnnlab.engine.runner import LocalProcessRunner, default_settings

        local = LocalProcessRunner(default_settings(1))
        ray_runner = RayRunner(cluster.address, cpus_per_job=2)
        local_runs, ray_runs, ray_warm_ups = [], [], []
        for round_number in range(rounds):
            order = [(local, local_runs), (ray_runner, ray_runs)]
            for runner, runs in order if round_number % 2 == 0 else order[::-1]:
                waited = warm(runner)
                if runner is ray_runner:
                    ray_warm_ups.append(waited)
                runs.append(run_job(runner, config))
                print(f"round {round_number + 1}: {'ray' if runner is ray_runner else 'local'} "
                      f"{runs[-1]['seconds']:.2f} s", file=sys.stderr)
        warm(ray_runner)
        stopped = run_job(ray_runner, TrainConfig(epochs=3, train_size=config.train_size),
                          stop_after_first_point=True)
        warm(ray_runner)
        full_epoch = run_job(ray_runner, TrainConfig(epochs=1))  # all 54,000 training images, as by default
        local.shutdown()
        ray_runner.shutdown()
    finally:
        cluster.stop()
    local_s = statistics.median(run["seconds"] for run in local_runs)
    ray_s = statistics.median(run["seconds"] for run in ray_runs)
    return {"local_s": local_s, "ray_s": ray_s, "ratio": ray_s / local_s,
            "local_runs_s": [run["seconds"] for run in local_runs],
            "ray_runs_s": [run["seconds"] for run in ray_runs],
            "local_samples_per_second": statistics.median(run["samples_per_second"] for run in local_runs),
            "ray_samples_per_second": statistics.median(run["samples_per_second"] for run in ray_runs),
            "stop_s": stopped["stop_s"], "stop_to_saved_s": stopped["stop_to_saved_s"],
            "ray_actor_warm_up_s": statistics.median(ray_warm_ups),
            "ray_full_epoch_job_s": full_epoch["seconds"],
            "ray_full_epoch_train_s": full_epoch["train_s"]}


def spread(jobs: int) -> dict:
    """Part 3: two raylets of 1 CPU; `jobs` jobs started at once, each printed with its node."""
    cluster = LocalRayCluster(num_cpus=1)
    try:
        cluster.add_node(num_cpus=1)
        from cnnlab.engine.ray_runner import RayRunner

        runner = RayRunner(cluster.address, cpus_per_job=1)
        config = TrainConfig(epochs=1, train_size=2000)
        started = time.perf_counter()
        tasks = [runner.start("train", {"spec": preset_spec("convnet"), "config": config_to_dict(config)})
                 for _ in range(jobs)]
        while not all(task.finished for task in tasks):
            runner.wait(tasks, 1.0)
            for task in tasks:
                task.events()
        makespan = time.perf_counter() - started
        nodes = [task.node() for task in tasks]
        left = node_left(runner, cluster)
        runner.shutdown()
    finally:
        cluster.stop()
    for number, node in enumerate(nodes, 1):
        print(f"job {number}: node {node.node_id[:12]} ({node.ip}, worker process {node.pid})",
              file=sys.stderr)
    return {**left, "nodes_used": len({node.node_id for node in nodes}), "spread_makespan_s": makespan,
            "spread_jobs": [{"job": number, **node.to_json()} for number, node in enumerate(nodes, 1)]}


def node_left(runner: object, cluster: LocalRayCluster) -> dict:
    """Part 4: one job on each node; the second node is killed mid-job. How each job ends, and how long Ray
    took to tell."""
    config = TrainConfig(epochs=3, train_size=6000)
    tasks = [runner.start("train", {"spec": preset_spec("convnet"), "config": config_to_dict(config)})
             for _ in range(2)]
    outcomes: list[list[dict]] = [[], []]
    while not all(any(event["event"] == "batch" for event in seen) for seen in outcomes):
        runner.wait(tasks, 1.0)
        for task, seen in zip(tasks, outcomes, strict=True):
            seen += task.events()
    killed = time.perf_counter()
    cluster.remove_node()
    told = None
    while not all(task.finished for task in tasks):
        runner.wait(tasks, 1.0)
        for task, seen in zip(tasks, outcomes, strict=True):
            seen += task.events()
            if told is None and any(event["event"] == "failed" for event in seen):
                told = time.perf_counter() - killed
    ends = [next((event.get("message") or event["event"] for event in seen
                  if event["event"] in ("failed", "finished")), "none") for seen in outcomes]
    print(f"second node killed mid-job: the jobs ended as {ends}", file=sys.stderr)
    return {"node_left_outcomes": ends, "node_left_told_s": told}


def on_paper(full_epoch_job_s: float, full_epoch_train_s: float, warm_up_s: float) -> dict:
    """A default job on Ray from the measured one-epoch job (each further epoch adds one epoch of training),
    and the makespan of 30 and 300 such jobs on 30 two-core lab PCs, one job per PC at a time, each job in a
    fresh actor that first warms up."""
    job = full_epoch_job_s + (DEFAULT_JOB.epochs - 1) * full_epoch_train_s
    return {"default_job_s": job, "class_30_makespan_s": math.ceil(30 / LAB_PCS) * (warm_up_s + job),
            "class_300_makespan_s": math.ceil(300 / LAB_PCS) * (warm_up_s + job)}


def main() -> None:
    """Measure, print a summary (or one JSON object with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--train-size", type=int, default=6000)
    parser.add_argument("--spread-jobs", type=int, default=4)
    args = parser.parse_args()
    config = TrainConfig(epochs=1, train_size=args.train_size)
    figures = overhead(args.rounds, config)
    figures.update(spread(args.spread_jobs))
    figures.update(on_paper(figures["ray_full_epoch_job_s"], figures["ray_full_epoch_train_s"],
                            figures["ray_actor_warm_up_s"]))
    if args.json:
        print(json.dumps(figures))
        return
    f = figures
    print(f"1 epoch of {args.train_size:,} images: local {f['local_s']:.2f} s, Ray {f['ray_s']:.2f} s "
          f"(medians of {args.rounds}; ratio {f['ratio']:.2f}, goal ≤ 1.3)")
    print(f"Stop on Ray: training ended {f['stop_s']:.2f} s after the request, stopped model back after "
          f"{f['stop_to_saved_s']:.2f} s")
    print(f"{args.spread_jobs} jobs on two 1-CPU raylets: {f['nodes_used']} nodes used, "
          f"all done in {f['spread_makespan_s']:.1f} s")
    print(f"on paper: a default job ≈ {f['default_job_s']:.0f} s on 2 CPUs; on {LAB_PCS} lab PCs a class "
          f"of 30 ≈ {f['class_30_makespan_s']:.0f} s, of 300 ≈ {f['class_300_makespan_s']:.0f} s")


if __name__ == "__main__":
    main()
