"""Comparing runs: which runs count, their labels, their summary rows, and the link back to Build."""

from __future__ import annotations

import dataclasses

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import decode_spec_from_url, spec_to_dict
from cnnlab.engine.jobs import EpochRecord, JobSnapshot, JobState, Stopper
from cnnlab.insight.compare import build_link_spec, comparable_runs, comparison_table, run_labels, summarize

CONVNET = spec_to_dict(preset_spec("convnet"))


def _run(job_id: str, name: str, state: JobState, accuracy: float | None, created_at: float,
         epochs: int = 2) -> JobSnapshot:
    history = tuple(EpochRecord(epoch=e, loss=1 / e, accuracy=0.9, val_loss=1.1 / e, val_accuracy=0.88,
                                seconds=10.0, samples_per_second=5400.0) for e in range(1, epochs + 1))
    return JobSnapshot(
        job_id=job_id, owner="o" * 24, name=name, state=state, queue_position=None, epoch=epochs, epochs=5,
        step=0, steps_per_epoch=422, batch_points=(), epochs_history=history, samples_per_second=5400.0,
        elapsed_s=41.5, eta_s=None, message="", test_loss=0.03, test_accuracy=accuracy, params=60874,
        created_at=created_at, config=TrainConfig(), spec=CONVNET,
    )


RUNS = [  # newest first, as the job manager lists them
    _run("d" * 16, "convnet", JobState.FAILED, None, 4.0),
    _run("c" * 16, "convnet", JobState.STOPPED, 0.97, 3.0, epochs=1),
    _run("b" * 16, "wide", JobState.RUNNING, None, 2.0),
    _run("a" * 16, "convnet", JobState.FINISHED, 0.9891, 1.0),
]


def test_only_finished_and_stopped_runs_with_a_test_result_are_compared() -> None:
    assert [run.job_id for run in comparable_runs(RUNS)] == ["c" * 16, "a" * 16]


def test_a_run_the_teacher_stopped_is_not_compared_but_ones_the_student_or_the_limit_stopped_are() -> None:
    stopped = RUNS[1]
    by = {who: dataclasses.replace(stopped, job_id=who.value[0] * 16, stopped_by=who) for who in Stopper}
    assert [run.job_id for run in comparable_runs(by.values())] == [by[Stopper.STUDENT].job_id,
                                                                    by[Stopper.LIMIT].job_id]


def test_labels_number_every_run_from_the_oldest() -> None:
    assert run_labels(RUNS) == {"a" * 16: "#1 convnet", "b" * 16: "#2 wide", "c" * 16: "#3 convnet",
                                "d" * 16: "#4 convnet"}


def test_a_summary_row_has_the_architectures_numbers() -> None:
    stopped = summarize(RUNS[1], "#3 convnet")
    assert (stopped.params, stopped.macs, stopped.epochs) == (60874, analyze(CONVNET).macs, 1)
    assert analyze(CONVNET).macs == 858304
    assert comparison_table([stopped, summarize(RUNS[3], "#1 convnet")]) == [
        {"run": "#3 convnet", "architecture": "convnet", "dataset": "MNIST", "parameters": 60874,
         "MACs": 858304, "epochs": 1, "seconds": 41.5, "test accuracy": 0.97, "test images": 10_000},
        {"run": "#1 convnet", "architecture": "convnet", "dataset": "MNIST", "parameters": 60874,
         "MACs": 858304, "epochs": 2, "seconds": 41.5, "test accuracy": 0.9891, "test images": 10_000},
    ]
    partial = summarize(dataclasses.replace(RUNS[1], tested_images=1928), "#3 convnet")
    assert comparison_table([partial])[0]["test images"] == 1928


def test_the_build_link_opens_the_same_architecture() -> None:
    text = build_link_spec(CONVNET)
    assert "=" not in text
    assert analyze(decode_spec_from_url(text)).spec == preset_spec("convnet")
    assert build_link_spec({"layers": "not a stack"}) is None
