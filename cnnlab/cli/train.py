"""`python -m cnnlab train (--preset NAME | SPEC.json) [...]`: train on MNIST (or `--dataset fashion`,
Fashion-MNIST) in this process, save the model.

The same trainer as the web app's jobs (`engine.trainer`), run here directly: a progress bar on stderr (unless
`--json`), then test accuracy, seconds per epoch and samples per second. Settings are checked by
`parse_train_config`, so a bad value gets the same message as on the Train page and exit status 2. A preset
that carries training settings (`fast`) trains with them; each flag given overrides one. Ctrl-C stops at the
next batch and still tests and saves the model trained so far. With `--ray ADDRESS` the job runs on a Ray
cluster through the server's Ray runner instead (`cli.ray_train`); `--json` names the runner and the computer
that trained it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from cnnlab.bridge.export import ExportFailed, keras3_bytes
from cnnlab.core.arithmetic import trainability
from cnnlab.core.datasets import Dataset
from cnnlab.core.hyper import (
    Optimizer,
    Schedule,
    TrainConfig,
    config_to_dict,
    parse_train_config,
    without_unused,
)
from cnnlab.core.mnist import TEST_IMAGES
from cnnlab.core.presets import PRESETS
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.events import Emit
from cnnlab.engine.paths import atomic_write_bytes, file_stem

EXIT_TRAINING_FAILED = 1
_BAR_WIDTH = 24
_OPTIONS = {  # command-line flag → TrainConfig field
    "dataset": "dataset",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "optimizer": "optimizer",
    "learning_rate": "learning_rate",
    "limit": "train_size",
    "validation_split": "validation_split",
    "seed": "seed",
    "schedule": "schedule",
    "warmup_fraction": "warmup_fraction",
    "final_fraction": "final_fraction",
    "beta_1": "beta_1",
    "beta_2": "beta_2",
    "momentum": "momentum",
}


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """The `train` options; numbers are read as text and checked by `parse_train_config` (clear messages)."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("spec", nargs="?", metavar="SPEC.json", help="architecture spec file (- for stdin)")
    source.add_argument("--preset", metavar="NAME", help=f"a built-in architecture: {', '.join(PRESETS)}")
    parser.add_argument("--dataset", metavar="NAME",
                        help=f"what to train and test on: {' or '.join(Dataset)} (default mnist)")
    parser.add_argument("--epochs", metavar="N", help="passes over the training images (default 5)")
    parser.add_argument("--batch-size", metavar="B", help="images per step (default 128)")
    parser.add_argument("--optimizer", metavar="O", help=f"one of {', '.join(Optimizer)} (default rmsprop)")
    parser.add_argument("--learning-rate", metavar="LR", help="step size (default 0.001)")
    parser.add_argument("--limit", metavar="N", help="use the first N of the 60,000 images (default all)")
    parser.add_argument("--validation-split", metavar="F", help="fraction held out (default 0.1)")
    parser.add_argument("--seed", metavar="S", help="random seed (default 0)")
    parser.add_argument("--schedule", metavar="S", help=f"learning rate over the run: {', '.join(Schedule)} "
                                                        "(default constant)")
    parser.add_argument("--warmup-fraction", metavar="F", help="one-cycle: share of steps climbing "
                                                               "(default 0.25)")
    parser.add_argument("--final-fraction", metavar="F", help="one-cycle, cosine: last rate / rate "
                                                              "(default 0)")
    parser.add_argument("--beta-1", metavar="B", help="adam, adamw, nadam, adamax (default 0.9)")
    parser.add_argument("--beta-2", metavar="B", help="adam, adamw, nadam, adamax (default 0.999)")
    parser.add_argument("--momentum", metavar="M", help="sgd (default 0)")
    parser.add_argument("--out", metavar="PATH.h5", help="model file, .h5 or .keras (default NAME.h5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object, no progress bar")
    parser.add_argument("--ray", metavar="ADDRESS",
                        help="train on the Ray cluster at ADDRESS (auto, HOST:6379 or ray://HOST:10001)")


def _settings(args: argparse.Namespace) -> dict:
    """The training settings to check: a preset's own (if it carries any), each flag given overriding one.

    A preset's optimizer settings that a flag's other optimizer or schedule does not use are dropped
    (`--preset fast --optimizer sgd` trains without the fast recipe's betas); flags are kept as given.
    """
    flags = {field: getattr(args, option) for option, field in _OPTIONS.items()
             if getattr(args, option) is not None}
    training = PRESETS[args.preset].training if args.preset is not None else None
    if training is None:
        return flags
    choices = {name: flags[name] for name in ("optimizer", "schedule") if name in flags}
    return without_unused(config_to_dict(training) | choices) | flags


def _output_path(text: str | None, name: str) -> Path:
    """The model file to write: checked before training so a typo does not cost the whole run."""
    from cnnlab.cli.inputs import UsageError

    path = Path(text or f"{file_stem(name, 'model')}.h5")
    if path.suffix not in (".h5", ".keras"):
        raise UsageError(f"--out {text}: the model file name must end in .h5 or .keras")
    if path.is_dir():
        raise UsageError(f"--out {text}: is a directory; give a file name such as {path / 'model.h5'}")
    if not path.parent.resolve().is_dir():
        raise UsageError(f"--out {text}: the folder {path.parent} does not exist")
    try:  # the file is written as a temporary file in the same folder, then renamed: try exactly that
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".cnnlab-probe-"):
            pass
    except OSError as error:
        raise UsageError(f"--out {text}: cannot write in {path.parent} ({error.strerror})") from None
    return path


class _Progress:
    """Trainer events → a progress bar on stderr (redrawn on a terminal, one line per epoch otherwise)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.live = sys.stderr.isatty()
        self.epochs = 0
        self.steps = 1
        self.history: list[dict] = []
        self.finished: dict | None = None

    def __call__(self, event: dict) -> None:
        kind = event["event"]
        if kind == "started":
            self.epochs, self.steps = event["epochs"], event["steps_per_epoch"]
        elif kind == "epoch":
            self.history.append({key: event[key] for key in ("epoch", "loss", "accuracy", "val_loss",
                                                             "val_accuracy", "seconds")})
        elif kind == "finished":
            self.finished = event
        if not self.quiet:
            self._draw(event)

    def _draw(self, event: dict) -> None:
        kind = event["event"]
        if kind == "batch" and self.live:
            done = round(_BAR_WIDTH * event["step"] / self.steps)
            bar = "=" * done + " " * (_BAR_WIDTH - done)
            print(f"\repoch {event['epoch']}/{self.epochs} [{bar}] {event['step']}/{self.steps}  "
                  f"loss {event['loss']:.4f}  accuracy {event['accuracy'] or 0:.4f}  "
                  f"{event['samples_per_second']:,.0f} samples/s ", end="", file=sys.stderr, flush=True)
        elif kind == "epoch":
            validation = (f"  val_loss {event['val_loss']:.4f}  val_accuracy {event['val_accuracy']:.4f}"
                          if event["val_loss"] is not None else "")
            start = "\r" if self.live else ""
            print(f"{start}epoch {event['epoch']}/{self.epochs}: loss {event['loss']:.4f}  "
                  f"accuracy {event['accuracy']:.4f}{validation}  {event['seconds']:.1f} s" + " " * 12,
                  file=sys.stderr, flush=True)
        elif kind == "testing":
            start = "\n" if self.live and len(self.history) < self.epochs else ""  # a bar cut off by Ctrl-C
            print(f"{start}testing on 10,000 images…", file=sys.stderr, flush=True)


def _outcome(summary: dict, epochs: int) -> str:
    """How the run ended, as the start of the last line: "" when it ran all epochs, else "stopped after
    epoch 2 of 5 · " (Ctrl-C)."""
    if not summary["stopped"]:
        return ""
    done = summary["epochs"]
    return f"stopped after epoch {done} of {epochs} · " if done else f"stopped during epoch 1 of {epochs} · "


def _train_here(spec: dict, config: TrainConfig, emit: Emit,
                stop_requested: Callable[[], bool]) -> str | None:
    """Train in this process (the trainer imports TensorFlow); the failure message, or None if it trained."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from cnnlab.engine.trainer import failure_message, train

    try:
        train(spec, config, emit, stop_requested)
    except Exception as error:  # NaN loss, out of memory, anything Keras raises: a message, no traceback
        return failure_message(error)
    return None


def _model_bytes(finished: dict, suffix: str) -> bytes:
    """The trained model as a `suffix` (".h5" or ".keras") file; a big model's .keras, which the trainer
    leaves out (`engine.storage`), made here from its .h5 (this process trains, so it has TensorFlow)."""
    if suffix == ".h5" or "keras" in finished:
        return finished["h5" if suffix == ".h5" else "keras"]
    with tempfile.TemporaryDirectory(prefix="cnnlab-train-") as folder:
        h5 = Path(folder) / "model.h5"
        h5.write_bytes(finished["h5"])
        return keras3_bytes(h5)


def run_train(args: argparse.Namespace) -> int:
    """Train a preset or spec file on its dataset, save the model, print the figures (see the module
    docstring)."""
    from cnnlab.cli.inputs import UsageError, read_spec_file

    if args.preset is not None and args.preset not in PRESETS:
        raise UsageError(f"unknown preset {args.preset!r}; one of {', '.join(PRESETS)}")
    raw = PRESETS[args.preset].spec if args.preset is not None else read_spec_file(args.spec)
    check = trainability(raw)
    if check.spec is None:
        lines = "\n".join(f"  {problem}" for problem in check.problems)
        raise UsageError(f"this stack cannot be trained:\n{lines}")
    analysis = check.analysis
    settings = _settings(args)
    config, config_problems = parse_train_config(settings)
    if config is None:
        lines = "\n".join(f"  {problem}" for problem in config_problems)
        raise UsageError(f"these training settings cannot be used:\n{lines}")
    name = args.preset or analysis.spec.name or Path(args.spec).stem
    out = _output_path(args.out, name)

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set() if not stop.is_set() else sys.exit(130))
    progress = _Progress(quiet=args.json)
    if args.ray:
        from cnnlab.cli.ray_train import train_on_ray

        node, problem = train_on_ray(args.ray, spec_to_dict(analysis.spec), config, progress, stop.is_set)
    else:
        node = {"hostname": platform.node()}
        problem = _train_here(spec_to_dict(analysis.spec), config, progress, stop.is_set)
    if problem is not None:
        print(f"cnnlab train: {problem}", file=sys.stderr)
        return EXIT_TRAINING_FAILED
    finished = progress.finished
    try:
        atomic_write_bytes(out, _model_bytes(finished, out.suffix))
    except (OSError, ExportFailed) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        print(f"cnnlab train: could not write {out} ({reason})", file=sys.stderr)
        return EXIT_TRAINING_FAILED
    epochs_done = len(progress.history) or 1
    scored = sum(map(sum, finished["confusion"]))
    summary = {
        "dataset": str(config.dataset),
        "test_accuracy": finished["test_accuracy"],
        "test_loss": finished["test_loss"],
        "epochs": len(progress.history),
        "stopped": finished["stopped"],
        "test_images": scored,
        "seconds_per_epoch": finished["seconds"] / epochs_done,
        "samples_per_second": finished["samples_per_second"],
        "params": analysis.total_params,
        "out": str(out),
        "config": config_to_dict(config),
        "history": progress.history,
        "runner": "ray" if args.ray else "local",
        "node": node,  # the computer that trained it; on Ray also its node id, address and worker process
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{_outcome(summary, config.epochs)}{config.dataset.display_name} test accuracy "
              f"{summary['test_accuracy']:.2%}"
              f"{'' if scored >= TEST_IMAGES else f' on {scored:,} of the {TEST_IMAGES:,} test images'} · "
              f"{summary['seconds_per_epoch']:.1f} s per epoch · {summary['samples_per_second']:,.0f} "
              f"samples/s · {analysis.total_params:,} parameters · saved {out}")
    return 0
