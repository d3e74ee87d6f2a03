"""Time to a good model, end to end: our job manager against plain `model.fit` + `evaluate`, same run.

    python bench/time_to_accuracy.py [--rounds 3] [--json]

Two recipes: the fast preset's (1 epoch on all 60,000 images, Adam β₁ 0.7, β₂ 0.9, one-cycle to 0.01, batch
128) and the reference's (convnet, rmsprop, batch 128, 5 epochs on all 60,000 images). Ours: the wall time
from `submit` to a warm job manager until the job is finished — trained, tested on the 10,000 test images,
both model files written and stored. Plain: the same model and settings with plain Keras in a fresh process
(bench/_plain_fit.py), from building the model to the end of `evaluate`. Rounds interleave the methods and
recipes (the order alternates from round to round) so that drift in a shared machine's speed hits both alike;
ratios are taken between medians and every round is printed. For the reference recipe the ratio is also
taken on training throughput (samples per second in training steps only, as bench/train_throughput.py).
Percent of peak: training FLOPs per second (6 × the stack's multiply-accumulates per image × samples per
second) against the float32 matrix-multiply rate of this machine measured in the same run.
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

from _plain_fit import matmul_peak, plain_fit

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import TrainConfig, config_to_dict
from cnnlab.core.presets import PRESETS, preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.jobs import JobLimits, JobManager, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.worker import WorkerSettings
from cnnlab.lab import Lab, Settings
from cnnlab.testing.engine import wait_warm

RECIPES = {  # name → (preset, settings)
    "fast": ("fast", PRESETS["fast"].training),
    "reference": ("convnet", TrainConfig(epochs=5, train_size=60000, validation_split=0.0)),
}
FLOPS_PER_MAC_TRAINING = 6  # 2 FLOPs per multiply-accumulate, forward pass plus a backward pass of twice that


def run_ours(manager: JobManager, preset: str, config: TrainConfig) -> dict:
    """Submit to the warm manager; wall time until the job is finished and stored."""
    wait_warm(manager.runner)
    owner = new_owner_token()
    started = time.perf_counter()
    job_id = manager.submit(owner, preset_spec(preset), config)
    while not (snapshot := manager.snapshot(job_id, owner)).state.is_final:
        time.sleep(0.01)
    wall = time.perf_counter() - started
    if snapshot.state != JobState.FINISHED:
        raise SystemExit(f"our {preset} job ended {snapshot.state}: {snapshot.message}")
    return {"wall_s": wall, "samples_per_second": snapshot.samples_per_second,
            "test_accuracy": snapshot.test_accuracy}


def run_plain(preset: str, config: TrainConfig) -> dict:
    """The same model and settings in plain Keras, at our workers' CPU niceness."""
    return plain_fit(spec_to_dict(preset_spec(preset)), config_to_dict(config), WorkerSettings().niceness)


def _median(runs: list[dict], recipe: str, method: str, key: str) -> float:
    return statistics.median(run[key] for run in runs if run["recipe"] == recipe and run["method"] == method)


def _spread(runs: list[dict], recipe: str, method: str, key: str) -> list[float]:
    values = [run[key] for run in runs if run["recipe"] == recipe and run["method"] == method]
    return [min(values), max(values)]


def main() -> None:
    """Measure the peak, run the interleaved rounds, print every run and the ratios of the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    peaks = [matmul_peak(WorkerSettings().niceness)]
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-") as root:
        lab = Lab(Settings(runs_dir=Path(root)), limits=JobLimits(max_running=1)).start()  # as the server
        manager = lab.jobs
        try:
            for round_number in range(1, args.rounds + 1):
                methods = ("plain", "ours") if round_number % 2 else ("ours", "plain")
                for recipe, (preset, config) in RECIPES.items():
                    for method in methods:
                        wait_warm(manager.runner)  # a spare warming up must not overlap a timed run
                        figures = run_plain(preset, config) if method == "plain" else run_ours(
                            manager, preset, config)
                        runs.append({"round": round_number, "recipe": recipe, "method": method, **figures})
                        if not args.json:
                            print(f"round {round_number} {recipe:9} {method:5}: {figures['wall_s']:6.2f} s, "
                                  f"{figures['samples_per_second']:7,.0f} samples/s, test accuracy "
                                  f"{figures['test_accuracy']:.2%}", flush=True)
        finally:
            lab.close()
    peaks.append(matmul_peak(WorkerSettings().niceness))
    peak = max(peaks)
    report: dict = {"rounds": args.rounds, "cores": len(os.sched_getaffinity(0)), "peak_gflops": peak / 1e9,
                    "peak_gflops_measured": [p / 1e9 for p in peaks]}
    for recipe, (preset, _) in RECIPES.items():
        flops_per_sample = FLOPS_PER_MAC_TRAINING * analyze(preset_spec(preset)).macs
        for method in ("ours", "plain"):
            for key in ("wall_s", "samples_per_second"):
                report[f"{recipe}_{method}_{key}"] = _median(runs, recipe, method, key)
                report[f"{recipe}_{method}_{key}_range"] = _spread(runs, recipe, method, key)
            report[f"{recipe}_{method}_test_accuracy"] = statistics.mean(
                run["test_accuracy"] for run in runs if run["recipe"] == recipe and run["method"] == method)
        report[f"{recipe}_percent_of_peak"] = (
            100 * flops_per_sample * report[f"{recipe}_ours_samples_per_second"] / peak)
    report |= {
        "fast_ours_s": report["fast_ours_wall_s"],
        "fast_plain_s": report["fast_plain_wall_s"],
        "fast_ratio": report["fast_ours_wall_s"] / report["fast_plain_wall_s"],
        "fast_test_accuracy": report["fast_ours_test_accuracy"],
        "reference_wall_ratio": report["reference_ours_wall_s"] / report["reference_plain_wall_s"],
        "reference_ratio": (report["reference_ours_samples_per_second"]
                            / report["reference_plain_samples_per_second"]),
        "percent_of_peak": report["reference_percent_of_peak"],
        "runs": runs,
    }
    if args.json:
        print(json.dumps(report))
        return
    r = report
    print(f"fast recipe, submit → finished: ours {r['fast_ours_s']:.2f} s "
          f"(rounds {_text(r, 'fast_ours_wall_s')}), plain fit + evaluate {r['fast_plain_s']:.2f} s "
          f"({_text(r, 'fast_plain_wall_s')}); ratio "
          f"{r['fast_ratio']:.2f}; test accuracy ours {r['fast_test_accuracy']:.2%}, plain "
          f"{r['fast_plain_test_accuracy']:.2%}")
    print(f"reference recipe, training throughput: ours {r['reference_ours_samples_per_second']:,.0f} "
          f"({_text(r, 'reference_ours_samples_per_second')}) vs plain "
          f"{r['reference_plain_samples_per_second']:,.0f} "
          f"({_text(r, 'reference_plain_samples_per_second')}) samples/s; ratio {r['reference_ratio']:.2f}; "
          f"wall ratio {r['reference_wall_ratio']:.2f}; test "
          f"accuracy ours {r['reference_ours_test_accuracy']:.2%}, "
          f"plain {r['reference_plain_test_accuracy']:.2%}")
    print(f"percent of peak ({peak / 1e9:.0f} GFLOP/s float32 matmul, best of {len(peaks)}): reference "
          f"{r['reference_percent_of_peak']:.1f} %, fast {r['fast_percent_of_peak']:.1f} %")


def _text(report: dict, key: str) -> str:
    """A figure's range over the rounds: "6.10–7.42" (seconds) or "14,210–17,020" (samples/s)."""
    low, high = report[f"{key}_range"]
    return f"{low:,.0f}–{high:,.0f}" if high > 100 else f"{low:.2f}–{high:.2f}"

if __name__ == "__main__":
    main()
