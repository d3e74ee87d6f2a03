"""Runner selection: local workers by default; with CNNLAB_RAY_ADDRESS set but no cluster there, local workers
again, with a sentence saying so for the log and the teacher's dashboard."""

from __future__ import annotations

import logging

import pytest

from cnnlab.engine.runner import LocalProcessRunner
from cnnlab.engine.runner_choice import RAY_ADDRESS_ENV, RAY_CPUS_ENV, RunnerKind, cpus_per_job, select_runner
from cnnlab.testing.ray_cluster import free_port


def test_without_a_ray_address_jobs_train_on_local_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RAY_ADDRESS_ENV, raising=False)
    choice = select_runner(max_running=3)
    try:
        assert (choice.kind, choice.max_running, choice.ray_address, choice.fell_back) == (
            RunnerKind.LOCAL, 3, None, False)
        assert isinstance(choice.runner, LocalProcessRunner)
        assert choice.note == "training on this machine's worker processes (3 at once)"
    finally:
        choice.runner.shutdown()


def test_an_unreachable_ray_cluster_falls_back_to_local_workers_and_says_so(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv(RAY_ADDRESS_ENV, address)
    with caplog.at_level(logging.WARNING):
        choice = select_runner(max_running=1)
    try:
        assert (choice.kind, choice.ray_address, choice.fell_back) == (RunnerKind.LOCAL, address, True)
        assert isinstance(choice.runner, LocalProcessRunner)
        assert choice.note == (f"Ray was asked for (CNNLAB_RAY_ADDRESS={address}) but nothing answers at "
                               f"{address} (Connection refused); training on this machine's worker processes "
                               "instead (1 at once)")
        assert caplog.messages == [f"CNN Lab: {choice.note}"]
    finally:
        choice.runner.shutdown()


_SETTINGS = [(None, 2), ("4", 4), ("1", 1), ("0", 2), ("two", 2), ("-3", 2)]  # (setting, CPUs)


@pytest.mark.parametrize(("setting", "cpus"), _SETTINGS)
def test_cpus_per_job_is_a_whole_number_of_at_least_one(monkeypatch: pytest.MonkeyPatch, setting: str | None,
                                                        cpus: int) -> None:
    if setting is None:
        monkeypatch.delenv(RAY_CPUS_ENV, raising=False)
    else:
        monkeypatch.setenv(RAY_CPUS_ENV, setting)
    assert cpus_per_job() == cpus
