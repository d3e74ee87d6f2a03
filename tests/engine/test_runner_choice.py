"""Runner selection: local workers by default; with a Ray address (CNNLAB_RAY_ADDRESS) but no cluster there,
local workers again, with a sentence saying so for the log and the teacher's dashboard."""

from __future__ import annotations

import logging

import pytest

from cnnlab.engine.runner import LocalProcessRunner
from cnnlab.engine.runner_choice import RunnerKind, select_runner
from cnnlab.lab import RAY_ADDRESS_ENV, RAY_CPUS_ENV, Lab, Settings
from cnnlab.testing.ray_cluster import free_port


def test_without_a_ray_address_jobs_train_on_local_workers() -> None:
    choice = select_runner(Settings.from_environment({}).ray_address, max_running=3)
    try:
        assert (choice.kind, choice.max_running, choice.ray_address, choice.fell_back) == (
            RunnerKind.LOCAL, 3, None, False)
        assert isinstance(choice.runner, LocalProcessRunner)
        assert choice.note == "training on this machine's worker processes (3 at once)"
    finally:
        choice.runner.shutdown()


def test_an_unreachable_ray_cluster_falls_back_to_local_workers_and_says_so(
        tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    settings = Settings.from_environment({RAY_ADDRESS_ENV: address, "CNNLAB_RUNS_DIR": str(tmp_path)})
    lab = Lab(settings)  # as the server builds it
    with caplog.at_level(logging.WARNING):
        manager = lab.jobs  # built on first use
    choice = lab.runner_choice
    try:
        assert (choice.kind, choice.ray_address, choice.fell_back) == (RunnerKind.LOCAL, address, True)
        assert isinstance(choice.runner, LocalProcessRunner)
        assert choice.note == (f"Ray was asked for (CNNLAB_RAY_ADDRESS={address}) but nothing answers at "
                               f"{address} (Connection refused); training on this machine's worker processes "
                               "instead (1 at once)")
        assert caplog.messages == [f"CNN Lab: {choice.note}"]
        assert manager.runner is choice.runner and manager.limits.max_running == choice.max_running
    finally:
        lab.close()


_SETTINGS = [(None, 2), ("4", 4), ("1", 1), ("0", 2), ("two", 2), ("-3", 2)]  # (setting, CPUs)


@pytest.mark.parametrize(("setting", "cpus"), _SETTINGS)
def test_cpus_per_job_is_a_whole_number_of_at_least_one(setting: str | None, cpus: int) -> None:
    environ = {} if setting is None else {RAY_CPUS_ENV: setting}
    assert Settings.from_environment(environ).ray_cpus_per_job == cpus
