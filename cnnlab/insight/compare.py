"""Several of a student's runs side by side: what did doubling the filters buy?

Plain Python over the runs as the job manager reports them (`JobSnapshot`, read from the store's records and
metric histories): which runs have a tested model, a short unique label for each, one summary per run
(architecture, dataset, parameters, MACs, epochs, seconds, test accuracy, curves), runs grouped by dataset
(accuracies on MNIST and on Fashion-MNIST are not on one scale), and the `/Build?spec=` value that opens a
run's architecture again for a variation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cnnlab.core.arithmetic import analyze
from cnnlab.core.datasets import Dataset
from cnnlab.core.spec_json import encode_spec_for_url
from cnnlab.engine.jobs import EpochRecord, JobSnapshot, JobState, Stopper
from cnnlab.engine.scores import test_set_size

TESTED_STATES = (JobState.FINISHED, JobState.STOPPED)  # a stopped run keeps (and tests) what it learned
MAX_COMPARED = 10  # runs overlaid at once; more lines than this are unreadable


@dataclass(frozen=True)
class RunSummary:
    """One run as the Compare page shows it."""

    run_id: str
    label: str  # e.g. "#3 convnet", unique among the owner's runs
    name: str
    params: int
    macs: int
    epochs: int  # complete epochs trained (fewer than planned for a stopped run)
    seconds: float  # training time
    test_accuracy: float | None
    test_images: int | None  # the test images its accuracy covers (fewer than all: stopped while testing)
    history: tuple[EpochRecord, ...]
    spec: dict
    dataset: Dataset = Dataset.MNIST  # what it was trained and tested on
    batch_points: tuple[tuple[float, float, float | None], ...] = ()  # (fractional epoch, loss, accuracy)


def comparable_runs(runs: Iterable[JobSnapshot]) -> list[JobSnapshot]:
    """The runs with a trained, tested model (finished or stopped early), in the order given.

    A run the teacher stopped is left out: its half-trained model is not the student's result, and
    offering it on Compare and Predict made the teacher's Stop look like the student's own poor model.
    """
    return [run for run in runs if run.state in TESTED_STATES and run.test_accuracy is not None
            and not stopped_by_teacher(run)]


def stopped_by_teacher(run: JobSnapshot) -> bool:
    """Whether the teacher stopped (or cancelled) this run from the dashboard."""
    return run.stopped_by is Stopper.TEACHER


def run_labels(runs: Iterable[JobSnapshot]) -> dict[str, str]:
    """A short label per run, numbered by age among all the owner's runs: the first run ever is "#1 …".

    Example: two runs both named "convnet" → {first_id: "#1 convnet", second_id: "#2 convnet"}.
    """
    oldest_first = sorted(runs, key=lambda run: (run.created_at, run.job_id))
    return {run.job_id: f"#{number} {run.name}" for number, run in enumerate(oldest_first, start=1)}


def summarize(run: JobSnapshot, label: str) -> RunSummary:
    """A run's summary; MACs come from the architecture (`analyze`), so they agree with Build to the digit."""
    return RunSummary(
        run_id=run.job_id, label=label, name=run.name, dataset=run.config.dataset, params=run.params,
        macs=analyze(run.spec).macs,
        epochs=len(run.epochs_history), seconds=run.elapsed_s, test_accuracy=run.test_accuracy,
        test_images=run.tested_images or test_set_size(run.config), history=run.epochs_history, spec=run.spec,
        batch_points=run.batch_points,
    )


def comparison_table(runs: Sequence[RunSummary]) -> list[dict[str, object]]:
    """One row per run, columns as the page shows them (numbers left as numbers for sorting).

    Example row: {"run": "#1 convnet", "architecture": "convnet", "dataset": "MNIST", "parameters": 60874,
    "MACs": 3_434_000, "epochs": 5, "seconds": 41.2, "test accuracy": 0.9891, "test images": 10000} (fewer
    test images: a run stopped while testing, its accuracy not comparable with the others').
    """
    return [
        {"run": run.label, "architecture": run.name, "dataset": run.dataset.display_name,
         "parameters": run.params, "MACs": run.macs, "epochs": run.epochs, "seconds": run.seconds,
         "test accuracy": run.test_accuracy, "test images": run.test_images}
        for run in runs
    ]


def by_dataset(runs: Sequence[RunSummary]) -> dict[Dataset, list[RunSummary]]:
    """The runs grouped by the dataset they were tested on, datasets in the order their first run comes, so
    each group's accuracies can share an axis: [mnist a, fashion b, mnist c] → {MNIST: [a, c], FASHION: [b]}.
    """
    groups: dict[Dataset, list[RunSummary]] = {}
    for run in runs:
        groups.setdefault(run.dataset, []).append(run)
    return groups


def build_link_spec(spec: Mapping) -> str | None:
    """The `?spec=` value that opens this architecture on Build (None if it is somehow no longer valid)."""
    analysis = analyze(dict(spec))
    return encode_spec_for_url(analysis.spec) if analysis.spec is not None else None
