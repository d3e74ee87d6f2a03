"""Memory over a day: 50 consecutive small jobs through one job manager; the server must not grow.

    python bench/soak.py [--json] [--jobs 50]

This process plays the web server: it owns the `JobManager`, submits each job as a student would (a new owner
every time, the next job waiting while one trains, as in class) and polls `snapshot` and `jobs` while it
trains, as the pages do. After job 2 and every 10 jobs it prints its own resident memory (RSS), how many
worker processes are alive and the RSS of the one training (a worker takes up to 25 jobs, or exits once it
has grown past 2 GB, so no worker lives for the whole day). Pass: the server's RSS grows less than 10 % from
job 10 to the last (issue 6) and from job 2 to job 10 (issue 4).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import JobLimits, JobManager, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab, Settings

SMALL_JOB = TrainConfig(epochs=1, batch_size=64, train_size=1000, validation_split=0.1)
GROWTH_LIMIT = 0.10


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def checkpoint(manager: JobManager, done: int) -> dict:
    """Memory figures after `done` jobs."""
    busy = manager.runner.busy_worker_pids()
    return {"jobs": done, "server_rss_mb": rss_mb(),
            "workers_alive": len(busy) + len(manager.runner.spare_worker_pids()),
            "training_worker_rss_mb": rss_mb(busy[0]) if busy else None}


def print_checkpoint(figures: dict) -> None:
    """One line per checkpoint."""
    worker = figures["training_worker_rss_mb"]
    print(f"after {figures['jobs']:3} jobs: server RSS {figures['server_rss_mb']:6.1f} MB, "
          f"{figures['workers_alive']} worker process(es) alive"
          + (f", the training one {worker:.0f} MB" if worker else ""), flush=True)


def main() -> None:
    """Run the jobs two at a time (one training, one waiting) and record RSS after every 10."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--jobs", type=int, default=50, help="a multiple of 10, at least 10")
    args = parser.parse_args()
    checkpoints: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="cnnlab-soak-") as root:
        lab = Lab(Settings(runs_dir=Path(root)), limits=JobLimits(max_running=1)).start()  # as the server
        manager = lab.jobs
        try:
            pending: list[tuple[str, str]] = []
            done = 0
            submitted = 0
            while done < args.jobs:
                while submitted < args.jobs and len(pending) < 2:
                    owner = new_owner_token()
                    pending.append((owner, manager.submit(owner, preset_spec("convnet"), SMALL_JOB)))
                    submitted += 1
                owner, job_id = pending[0]
                snapshot = manager.snapshot(job_id, owner)
                manager.jobs(owner)
                if not snapshot.state.is_final:
                    time.sleep(0.1)
                    continue
                if snapshot.state != JobState.FINISHED:
                    raise SystemExit(f"job {done + 1} ended {snapshot.state}: {snapshot.message}")
                pending.pop(0)
                done += 1
                if done == 2 or done % 10 == 0:
                    checkpoints.append(checkpoint(manager, done))
                    if not args.json:
                        print_checkpoint(checkpoints[-1])
        finally:
            lab.close()
    rss = {figures["jobs"]: figures["server_rss_mb"] for figures in checkpoints}
    growth = {"2_to_10": rss[10] / rss[2] - 1, f"10_to_{args.jobs}": rss[args.jobs] / rss[10] - 1}
    report = {"jobs": args.jobs, "checkpoints": checkpoints, "growth": growth,
              "passed": all(value < GROWTH_LIMIT for value in growth.values())}
    if args.json:
        print(json.dumps(report))
        return
    for span, value in growth.items():
        start, end = span.split("_to_")
        print(f"server RSS growth from job {start} to job {end}: {value:+.1%} "
              f"({'under' if value < GROWTH_LIMIT else 'NOT under'} {GROWTH_LIMIT:.0%})")


if __name__ == "__main__":
    main()
