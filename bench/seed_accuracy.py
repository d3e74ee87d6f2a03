"""Does our trainer reproduce the reference? Test accuracy of its two models, trained through the job manager.

    python bench/seed_accuracy.py [--json] [--seeds 0 1 2 3 4] [--compare-plain]

The reference (intro-to-convnets): convnet, rmsprop, batch 128, 5 epochs on all 60,000 images → 98.91 %;
LeNot, 10 epochs → 99.11 %. Both without a validation split, as in the reference. Every seed is trained and
printed — none is dropped — with how many reach the bar (98.9 % and 99.1 %) and the mean. With
`--compare-plain` each seed is also trained by the reference's own code (`model.fit` on float arrays) with the
installed Keras, so a shortfall can be told apart from a cost of our trainer.
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

from _reference_fit import ReferenceRun, reference_fit

from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import JobLimits, JobManager, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import RunStore

REFERENCE = {"convnet": (5, 0.989), "lenot": (10, 0.991)}  # epochs, the accuracy the reference reports


def main() -> None:
    """Queue every (model, seed) job, wait for each, print its accuracy and a summary per model."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--compare-plain", action="store_true", help="also train each seed with plain fit")
    args = parser.parse_args()
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-") as root:
        manager = JobManager(store=RunStore(Path(root)), limits=JobLimits(max_running=1))
        try:
            jobs = []
            for model, (epochs, _) in REFERENCE.items():
                for seed in args.seeds:
                    config = TrainConfig(epochs=epochs, train_size=60000, validation_split=0.0, seed=seed)
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
            manager.shutdown()
    if args.compare_plain:
        for run in results:
            plain = reference_fit(ReferenceRun(run["model"], run["epochs"], seed=run["seed"]))
            run["plain_fit_test_accuracy"] = plain["test_accuracy"]
            if not args.json:
                print(f"{run['model']:8} seed {run['seed']}: plain model.fit {plain['test_accuracy']:.2%} "
                      f"(ours {run['test_accuracy']:.2%})", flush=True)
    summary = {}
    for model, (_, bar) in REFERENCE.items():
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
              f"{figures['seeds_at_or_above_bar']} of {figures['seeds']} seeds reach the reference's "
              f"{figures['bar']:.1%}{plain}")


if __name__ == "__main__":
    main()
