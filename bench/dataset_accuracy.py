"""What architecture buys on MNIST and on Fashion-MNIST: every preset trained with one recipe on both datasets
over several seeds, through the job manager (the app's own trainer and worker).

    python bench/dataset_accuracy.py [--seeds 0 1 2] [--models convnet mlp …] [--datasets mnist fashion]
                                     [--results FILE.jsonl] [--json]

The recipe is the Train page's optimizer settings for a whole run: adam (β₁ 0.7, β₂ 0.9), a one-cycle learning
rate climbing to 0.01 over the first 15 % of the steps, batch 128, 5 epochs on all 60,000 training images, no
validation split; each run is tested on its dataset's 10,000 test images. The fast preset is also trained
with its own recipe (1 epoch) and the same for 3 epochs. Every finished run is appended to `--results` (JSON
lines) as it ends, and a run already there is not trained again: a bench cut off (the machine is shared) goes
on where it stopped when started again with the same file. The table gives, per dataset and preset:
parameters, MACs per image, test accuracy (mean, standard deviation, lowest and highest over the seeds) and
the training time of one run; then the spread between the presets and what the convolutions are worth
(convnet − mlp), per dataset. The worker trains at normal CPU priority (the server lowers its workers' so that
pages win; a bench has no pages). Each run records the load average when it ended: figures from a busy
machine are slower, never less accurate.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cnnlab.core.arithmetic import analyze
from cnnlab.core.datasets import Dataset
from cnnlab.core.hyper import CLASS_DEMO, config_to_dict
from cnnlab.core.presets import FAST_TRAINING, PRESETS, preset_spec
from cnnlab.engine.jobs import JobLimits, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.runner import LocalProcessRunner
from cnnlab.engine.worker import WorkerSettings
from cnnlab.lab import Lab, Settings

RECIPE = replace(CLASS_DEMO, epochs=5, train_size=60_000, validation_split=0.0)  # the one recipe for all
RECIPES = {  # recipe name → its settings (dataset and seed filled in per run)
    "5 epochs": RECIPE,
    "fast, 1 epoch": FAST_TRAINING,
    "fast, 3 epochs": replace(FAST_TRAINING, epochs=3),
}
FAST_ONLY = ("fast, 1 epoch", "fast, 3 epochs")
DEFAULT_RESULTS = Path(tempfile.gettempdir()) / "cnnlab-dataset-accuracy.jsonl"
HOURS = 3600


def planned(models: list[str], datasets: list[Dataset], seeds: list[int]) -> list[tuple[str, str, str, int]]:
    """Every (dataset, model, recipe, seed) to train: each model with the one recipe, fast also with its own
    recipe for 1 and 3 epochs; datasets outermost, so a first pass over MNIST finishes early."""
    runs = []
    for dataset in datasets:
        for recipe in RECIPES:
            for model in models:
                if recipe in FAST_ONLY and model != "fast":
                    continue
                runs += [(str(dataset), model, recipe, seed) for seed in seeds]
    return runs


def done_runs(path: Path) -> dict[tuple[str, str, str, int], dict]:
    """The runs already in the results file, by (dataset, model, recipe, seed); a cut-off last line is
    ignored."""
    found = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            found[(row["dataset"], row["model"], row["recipe"], row["seed"])] = row
    return found


def train_one(lab: Lab, dataset: str, model: str, recipe: str, seed: int) -> dict:
    """Train one run through the job manager and return its row for the results file."""
    config = replace(RECIPES[recipe], dataset=Dataset(dataset), seed=seed)
    owner = new_owner_token()
    job_id = lab.jobs.submit(owner, preset_spec(model), config)
    while not (snapshot := lab.jobs.snapshot(job_id, owner)).state.is_final:
        time.sleep(1.0)
    if snapshot.state != JobState.FINISHED:
        raise SystemExit(f"{dataset} {model} {recipe} seed {seed} ended {snapshot.state}: {snapshot.message}")
    analysis = analyze(preset_spec(model))
    return {"dataset": dataset, "model": model, "recipe": recipe, "seed": seed,
            "test_accuracy": snapshot.test_accuracy, "seconds": snapshot.elapsed_s,
            "params": analysis.total_params, "macs": analysis.macs, "config": config_to_dict(config),
            "load_average": os.getloadavg()[0], "finished_at": time.time()}


def summary(rows: list[dict]) -> list[dict]:
    """One line per (dataset, model, recipe): parameters, MACs, accuracy mean / sd / min / max, seconds."""
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["dataset"], row["model"], row["recipe"]), []).append(row)
    lines = []
    for (dataset, model, recipe), group in groups.items():
        accuracies = [row["test_accuracy"] for row in group]
        loads = [row["load_average"] for row in group]
        lines.append({
            "dataset": dataset, "model": model, "recipe": recipe,
            "seeds": sorted(row["seed"] for row in group), "params": group[0]["params"],
            "macs": group[0]["macs"], "mean": statistics.mean(accuracies),
            "sd": statistics.stdev(accuracies) if len(group) > 1 else 0.0,
            "min": min(accuracies), "max": max(accuracies),
            "seconds": statistics.median(row["seconds"] for row in group),
            "load_average": [min(loads), max(loads)],
        })
    return lines


def lessons(lines: list[dict]) -> dict[str, dict[str, float]]:
    """Per dataset, under the one recipe: the spread between the best and the worst preset's mean, and what
    the convolutions are worth (convnet's mean − mlp's), in percentage points."""
    found: dict[str, dict[str, float]] = {}
    for dataset in dict.fromkeys(line["dataset"] for line in lines):
        means = {line["model"]: line["mean"] for line in lines
                 if line["dataset"] == dataset and line["recipe"] == "5 epochs"}
        if not means:
            continue
        found[dataset] = {"spread_points": 100 * (max(means.values()) - min(means.values()))}
        if "convnet" in means and "mlp" in means:
            found[dataset]["convolutions_points"] = 100 * (means["convnet"] - means["mlp"])
    return found


def table(lines: list[dict]) -> str:
    """The summary as a Markdown table (the README's)."""
    out = ["| Dataset | Preset | Recipe | Parameters | MACs | Test accuracy: mean ± sd (min–max) | Seeds | "
           "Seconds per run |", "| --- | --- | --- | ---: | ---: | --- | ---: | ---: |"]
    for line in lines:
        out.append(f"| {Dataset(line['dataset']).display_name} | {line['model']} | {line['recipe']} | "
                   f"{line['params']:,} | {line['macs']:,} | {line['mean']:.2%} ± {line['sd']:.2%} "
                   f"({line['min']:.2%}–{line['max']:.2%}) | {len(line['seeds'])} | {line['seconds']:.0f} |")
    return "\n".join(out)


def main() -> None:
    """Train what is planned and not yet in the results file, one run at a time; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", choices=list(PRESETS), default=list(PRESETS))
    parser.add_argument("--datasets", nargs="+", choices=list(Dataset), default=list(Dataset))
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS,
                        help=f"one JSON line per finished run, kept (default {DEFAULT_RESULTS})")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()
    plan = planned(args.models, [Dataset(name) for name in args.datasets], args.seeds)
    done = done_runs(args.results)
    todo = [run for run in plan if run not in done]
    print(f"{len(plan) - len(todo)} of {len(plan)} runs already in {args.results}; training {len(todo)}; "
          f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    if todo:
        with tempfile.TemporaryDirectory(prefix="cnnlab-bench-") as root:
            limits = JobLimits(max_running=1, max_job_seconds=6 * HOURS)  # a busy machine is slow, not wrong
            runner = LocalProcessRunner(WorkerSettings(niceness=0))
            lab = Lab(Settings(runs_dir=Path(root)), runner=runner, limits=limits).start()
            try:
                for run in todo:
                    row = train_one(lab, *run)
                    with args.results.open("a", encoding="utf-8") as results:
                        results.write(json.dumps(row) + "\n")
                    done[run] = row
                    print(f"{row['dataset']:8} {row['model']:9} {row['recipe']:15} seed {row['seed']}: "
                          f"{row['test_accuracy']:.2%} in {row['seconds']:.0f} s "
                          f"(load {row['load_average']:.1f})", file=sys.stderr, flush=True)
            finally:
                lab.close()
    lines = summary([done[run] for run in plan])
    if args.json:
        print(json.dumps({"summary": lines, "lessons": lessons(lines)}))
        return
    print(table(lines))
    for dataset, figures in lessons(lines).items():
        worth = figures.get("convolutions_points")
        worth_text = "" if worth is None else f"; convolutions (convnet − mlp) are worth {worth:.1f} points"
        print(f"{Dataset(dataset).display_name}: the presets spread over {figures['spread_points']:.1f} "
              f"points{worth_text}")


if __name__ == "__main__":
    main()
