"""A whole class trains at once: how long until the last of 30 students has a finished model?

    python bench/class_makespan.py [--students 30] [--spread-s 3] [--plain-rounds 4] [--json]

Every student submits the Train page's default settings (`hyper.CLASS_DEMO`) for the reference convnet, one
after another within `--spread-s` seconds, to one job manager with its default limits (one job at a time per
two cores). Makespan: first submit → last job finished (test figures and both model files stored). Baseline:
plain `model.fit` + `evaluate` of the same model and settings (bench/_plain_fit.py), timed `--plain-rounds`
times in the same run — half before the class, half after — and its median multiplied by the number of
students. Also printed: each job's time by phase, in milliseconds (medians over the jobs), from when the
manager handed it to a worker: setup (worker takes the task, builds and compiles the model, makes the data
pipeline), fit (training, live metrics and validation included), test (predict on the 10,000 test images and
the confusion matrix), save (both model files), record (the manager stores them), and the gap between one job
ending and the next one starting. The machine may be shared: every figure is from this run only.
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

from _plain_fit import plain_fit
from _recording import RecordingRunner

from cnnlab.core.hyper import CLASS_DEMO, config_to_dict
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.jobs import JobLimits, JobManager, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.runner import default_settings
from cnnlab.engine.worker import WorkerSettings
from cnnlab.lab import Lab, Settings
from cnnlab.testing.engine import wait_warm

PHASES = ("setup", "fit", "test", "save", "record", "gap")


def plain_round(spec: dict, config: dict) -> dict:
    """One plain `model.fit` + `evaluate` of the class's job, at our workers' CPU niceness."""
    return plain_fit(spec, config, WorkerSettings().niceness)


def run_class(manager: JobManager, students: int, spread_s: float) -> tuple[float, list[dict]]:
    """Submit one job per student within `spread_s`; wait for all; (makespan, per-job figures)."""
    runner: RecordingRunner = manager.runner
    jobs, first_submit = [], time.perf_counter()
    for student in range(students):
        owner = new_owner_token()
        jobs.append({"owner": owner, "job_id": manager.submit(owner, preset_spec("convnet"), CLASS_DEMO),
                     "submitted": time.perf_counter()})
        time.sleep(max(0.0, first_submit + spread_s * (student + 1) / students - time.perf_counter()))
    pending = list(jobs)
    while pending:
        for job in list(pending):
            snapshot = manager.snapshot(job["job_id"], job["owner"])
            if snapshot.state.is_final:
                if snapshot.state != JobState.FINISHED:
                    raise SystemExit(f"a job ended {snapshot.state}: {snapshot.message}")
                job |= {"final": time.perf_counter(), "test_accuracy": snapshot.test_accuracy}
                pending.remove(job)
        time.sleep(0.25)  # as often as pages poll; faster polling took the GIL from the driver thread
    previous_end = first_submit
    for job, log in zip(jobs, runner.logs, strict=True):
        phases = log.phases_s
        job["phases_ms"] = {
            "setup": 1000 * (log.arrived["started"] - log.started),
            "fit": 1000 * phases["fit"],
            "test": 1000 * phases["test"],
            "save": 1000 * phases["save"],
            "record": 1000 * (job["final"] - log.arrived["finished"]),
            "gap": 1000 * max(0.0, log.started - max(previous_end, job["submitted"])),
        }
        previous_end = job["final"]
    return max(job["final"] for job in jobs) - first_submit, jobs


def main() -> None:
    """Plain rounds, the class, plain rounds; print the makespan against the plain sum and the phases."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--spread-s", type=float, default=3.0, help="seconds over which the jobs arrive")
    parser.add_argument("--plain-rounds", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    spec, config = spec_to_dict(preset_spec("convnet")), config_to_dict(CLASS_DEMO)
    plain = [plain_round(spec, config) for _ in range(args.plain_rounds // 2)]
    limits = JobLimits()
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-") as root:
        lab = Lab(Settings(runs_dir=Path(root)), runner=RecordingRunner(default_settings(limits.max_running)),
                  limits=limits).start()  # as the server: its driver thread steps the jobs
        try:
            wait_warm(lab.jobs.runner)
            makespan, jobs = run_class(lab.jobs, args.students, args.spread_s)
        finally:
            lab.close()
    plain += [plain_round(spec, config) for _ in range(args.plain_rounds - len(plain))]
    plain_s = [run["wall_s"] for run in plain]
    plain_median = statistics.median(plain_s)
    phases = {phase: statistics.median(job["phases_ms"][phase] for job in jobs) for phase in PHASES}
    report = {
        "students": args.students,
        "jobs_finished": len(jobs),
        "makespan_s": makespan,
        "plain_sum_s": plain_median * args.students,
        "ratio": makespan / (plain_median * args.students),
        "per_job_s": makespan / args.students,
        "plain_job_s": plain_median,
        "plain_job_s_range": [min(plain_s), max(plain_s)],
        "per_job_overhead_ms": 1000 * (makespan / args.students - plain_median),
        "phases_ms": phases,
        "test_accuracy": statistics.mean(job["test_accuracy"] for job in jobs),
        "plain_test_accuracy": statistics.mean(run["test_accuracy"] for run in plain),
        "settings": config,
        "max_running": limits.max_running,
        "cores": len(os.sched_getaffinity(0)),
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"{args.students} students × the Train page's defaults ({config['epochs']} epochs on "
          f"{config['train_size']:,} images, {config['optimizer']}, batch {config['batch_size']}) on the "
          f"convnet, {report['cores']} cores, {limits.max_running} job at a time")
    print(f"makespan {makespan:.1f} s for {len(jobs)} finished jobs ({report['per_job_s']:.2f} s per job); "
          f"plain fit + evaluate {plain_median:.2f} s per job (median of {len(plain)}: {min(plain_s):.2f}–"
          f"{max(plain_s):.2f} s) × {args.students} = {report['plain_sum_s']:.1f} s; "
          f"ratio {report['ratio']:.2f}")
    print("per job, median ms: " + ", ".join(f"{phase} {phases[phase]:.0f}" for phase in PHASES)
          + f"; overhead over plain {report['per_job_overhead_ms']:.0f} ms")
    print(f"test accuracy: ours {report['test_accuracy']:.2%} (mean of {len(jobs)}), plain "
          f"{report['plain_test_accuracy']:.2%} (mean of {len(plain)})")


if __name__ == "__main__":
    main()
