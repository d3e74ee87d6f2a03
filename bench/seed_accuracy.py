"""Does our trainer reproduce the reference, and does the fast recipe reach 99 % in one epoch? Test accuracy
per seed, trained through the job manager.

    python bench/seed_accuracy.py [--json] [--seeds 0 1 2 3 4] [--models convnet lenot fast] [--compare-plain]

The reference (intro-to-convnets): convnet, rmsprop, batch 128, 5 epochs on all 60,000 images → 98.91 %;
LeNot, 10 epochs → 99.11 %. Both without a validation split, as in the reference. The fast preset trains with
its own recipe (1 epoch on all 60,000 images, Adam β₁ 0.7, β₂ 0.9, one-cycle to 0.01, batch 128); its bar is
a mean of 99.0 % (`--models fast --seeds 0 1 2 3 4 5 6 7 8 9`). Every seed is trained and printed — none is
dropped — with how many reach the bar and the mean. With `--compare-plain` each seed is also trained by plain
`model.fit` on float arrays (the reference's own code for its two models; the same settings for fast) with the
installed Keras, so a shortfall can be told apart from a cost of our trainer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _plain_fit import plain_fit
from _reference_fit import ReferenceRun, reference_fit

from cnnlab.core.hyper import TrainConfig, config_to_dict
from cnnlab.core.presets import PRESETS, preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.jobs import JobLimits, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab, Settings

RECIPES = {  # model → (its training settings without the seed, the bar)
    "convnet": (TrainConfig(epochs=5, train_size=60000, validation_split=0.0), 0.989),  # the reference's
    "lenot": (TrainConfig(epochs=10, train_size=60000, validation_split=0.0), 0.991),
    "fast": (PRESETS["fast"].training, 0.990),  # 99 % in one epoch
}


def plain_fit_of(model: str, seed: int) -> dict:
    """Plain `model.fit` of the same model and seed: the reference's code for its models, else the recipe."""
    config = replace(RECIPES[model][0], seed=seed)
    if model in ("convnet", "lenot"):
        return reference_fit(ReferenceRun(model, config.epochs, seed=seed))
    return plain_fit(spec_to_dict(preset_spec(model)), config_to_dict(config))


def main() -> None:
    """Queue every (model, seed) job, wait for each, print its accuracy and a summary per model."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--models", nargs="+", choices=list(RECIPES), default=list(RECIPES))
    parser.add_argument("--compare-plain", action="store_true", help="also train each seed with plain fit")
    args = parser.parse_args()
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-") as root:
        lab = Lab(Settings(runs_dir=Path(root)), limits=JobLimits(max_running=1)).start()  # as the server
        manager = lab.jobs
        try:
            jobs = []
            for model in args.models:
                for seed in args.seeds:
                    config = replace(RECIPES[model][0], seed=seed)
                    owner = new_owner_token()  # one owner per job: the per-student queue cap does not apply
                    jobs.append((model, seed, owner, manager.submit(owner, preset_spec(model), config)))
            for model, seed, owner, job_id in jobs:
                while not (snapshot := manager.snapshot(job_id, owner)).state.is_final:
                    time.sleep(0.5)
                if snapshot.state != JobState.FINISHED:
                    raise SystemExit(f"{model} seed {seed} ended {snapshot.state}: {snapshot.message}")
                results.append({"model": model, "seed": seed, "epochs": snapshot.epochs,
                                "test_accuracy": snapshot.test_accuracy, "test_loss": snapshot.test_loss,
                                "seconds_per_epoch": snapshot.elapsed_s / snapshot.epochs})
                if not args.json:
                    print(f"{model:8} seed {seed}: test accuracy {snapshot.test_accuracy:.2%} after "
                          f"{snapshot.epochs} epochs ({results[-1]['seconds_per_epoch']:.1f} s per epoch)",
                          flush=True)
        finally:
            lab.close()
    if args.compare_plain:
        for run in results:
            plain = plain_fit_of(run["model"], run["seed"])
            run["plain_fit_test_accuracy"] = plain["test_accuracy"]
            if not args.json:
                print(f"{run['model']:8} seed {run['seed']}: plain model.fit {plain['test_accuracy']:.2%} "
                      f"(ours {run['test_accuracy']:.2%})", flush=True)
    summary = {}
    for model in args.models:
        bar = RECIPES[model][1]
        accuracies = [r["test_accuracy"] for r in results if r["model"] == model]
        summary[model] = {"bar": bar, "mean": statistics.mean(accuracies), "min": min(accuracies),
                          "max": max(accuracies), "seeds_at_or_above_bar": sum(a >= bar for a in accuracies),
                          "seeds": len(accuracies)}
        if args.compare_plain:
            summary[model]["plain_fit_mean"] = statistics.mean(
                r["plain_fit_test_accuracy"] for r in results if r["model"] == model)
    if args.json:
        print(json.dumps({"summary": summary, "runs": results}))
        return
    for model, figures in summary.items():
        plain = f"; plain model.fit mean {figures['plain_fit_mean']:.2%}" if args.compare_plain else ""
        print(f"{model}: mean {figures['mean']:.2%} (min {figures['min']:.2%}, max {figures['max']:.2%}); "
              f"{figures['seeds_at_or_above_bar']} of {figures['seeds']} seeds reach "
              f"{figures['bar']:.1%} (mean at or above it: {figures['mean'] >= figures['bar']}){plain}")


if __name__ == "__main__":
    main()
