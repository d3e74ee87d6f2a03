"""The web server's memory while the teacher downloads the class's zip of every trained model.

    python bench/zip_memory.py [--gigabytes 1] [--rounds 2] [--json]

Starts the app exactly as the README does (`make run`, a private runs directory, a known teacher key),
writes `--gigabytes` of run files into its runs directory (finished runs with incompressible model files of
50 MB each), then downloads the dashboard's "Every trained model" zip through its signed link, as a browser
would, while sampling the web server's resident memory every 50 ms. Reports, per round, the server's memory
before the download (the baseline, measured in the same run), its peak during the download and its memory
after, and the growth against the baseline (goal: ≤ 50 MB while a 1 GB zip downloads), with the zip's size
and the download's speed. The downloaded zip is checked: every model, every byte.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cnnlab.classroom.download_links import signed_query
from cnnlab.classroom.teacher_key import TeacherKey
from cnnlab.engine.store import RunStore
from cnnlab.lab import TEACHER_KEY_ENV
from cnnlab.testing.planted import plant_runs
from cnnlab.testing.server import started_server, streamlit_pid
from cnnlab.ui.downloads import MODELS_ZIP, MODELS_ZIP_PATH

MODEL_MB = 50
KEY = "bench-teacher-key"
SAMPLE_S = 0.05
GOAL_MB = 50


def rss_mb(pid: int) -> float:
    """The resident memory of process `pid` now, in MiB."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakSampler(threading.Thread):
    """Samples a process's resident memory every `SAMPLE_S` until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True, name="rss-peak")
        self.pid, self.peak_mb, self.samples = pid, rss_mb(pid), 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_S):
            self.peak_mb = max(self.peak_mb, rss_mb(self.pid))
            self.samples += 1


def download(url: str, target: Path) -> tuple[int, float]:
    """Fetch `url` into `target` a megabyte at a time: (bytes, seconds)."""
    started = time.monotonic()
    size = 0
    with urllib.request.urlopen(url, timeout=600) as response, target.open("wb") as out:
        while block := response.read(1 << 20):
            out.write(block)
            size += len(block)
    return size, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0, help="run files to write (default 1 GB)")
    parser.add_argument("--rounds", type=int, default=2, help="downloads, one after the other")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cnnlab-zip-memory-"))
    rounds = []
    with started_server(work, {TEACHER_KEY_ENV: KEY}) as server:
        store = RunStore(server.runs_dir)
        count = max(1, round(args.gigabytes * 1000 / MODEL_MB))
        run_ids = plant_runs(store, count, MODEL_MB * 10**6)
        stored = store.usage()
        pid = streamlit_pid(server.process.pid)
        route = f"{server.url}{MODELS_ZIP_PATH}"
        try:  # a refused request builds the server's Lab, so the baseline includes it
            urllib.request.urlopen(f"{route}?until=0&sig=x", timeout=60)
        except urllib.error.HTTPError as refused:
            assert refused.code == 403
        for _ in range(args.rounds):
            time.sleep(2)
            baseline = rss_mb(pid)
            sampler = PeakSampler(pid)
            sampler.start()
            target = work / "download.zip"
            link = f"{route}?{urlencode(signed_query(TeacherKey(server.runs_dir, KEY), MODELS_ZIP))}"
            size, seconds = download(link, target)
            sampler.done.set()
            sampler.join()
            time.sleep(2)
            after = rss_mb(pid)
            with zipfile.ZipFile(target) as archive:
                entries = archive.infolist()
                assert len(entries) == len(run_ids) and archive.testzip() is None
                assert sum(entry.file_size for entry in entries) == count * MODEL_MB * 10**6
            target.unlink()
            rounds.append({"zip_mb": round(size / 10**6), "seconds": round(seconds, 1),
                           "mb_per_s": round(size / 10**6 / seconds), "baseline_mb": round(baseline, 1),
                           "peak_mb": round(sampler.peak_mb, 1), "after_mb": round(after, 1),
                           "growth_mb": round(sampler.peak_mb - baseline, 1), "samples": sampler.samples,
                           "load_average": round(os.getloadavg()[0], 1)})
            if not args.json:
                r = rounds[-1]
                print(f"zip {r['zip_mb']:,} MB in {r['seconds']} s ({r['mb_per_s']} MB/s): web server "
                      f"{r['baseline_mb']} MB before, peak {r['peak_mb']} MB (+{r['growth_mb']} MB), "
                      f"{r['after_mb']} MB after; load average {r['load_average']}", flush=True)
    summary = {"run_files_mb": round(stored / 10**6), "runs": count, "rounds": rounds,
               "max_growth_mb": max(r["growth_mb"] for r in rounds),
               "goal_met": max(r["growth_mb"] for r in rounds) <= GOAL_MB}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{summary['runs']} runs, {summary['run_files_mb']:,} MB of run files: the web server grew by "
              f"at most {summary['max_growth_mb']} MB while the zip downloaded (goal ≤ {GOAL_MB} MB: "
              f"{'met' if summary['goal_met'] else 'NOT met'})")


if __name__ == "__main__":
    main()
