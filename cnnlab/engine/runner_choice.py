"""Which runner the job manager trains with: this machine's worker processes, or a Ray cluster.

A Ray address ("auto", "HOST:6379" or "ray://HOST:10001"; `Settings.ray_address`, `make run RAY=auto`) sends
jobs to Ray, each asking for `Settings.ray_cpus_per_job` CPUs, and as many train at once as the cluster's
computers hold when the server starts. If Ray cannot be reached (or is not installed) the server still
starts, with local workers, and says so in its log; `RunnerChoice.note` keeps that sentence for the teacher.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from cnnlab.engine.runner import LocalProcessRunner, Runner, default_max_running, default_settings

DEFAULT_CPUS_PER_JOB = 2
_log = logging.getLogger(__name__)


class RunnerKind(StrEnum):
    """Where jobs train."""

    LOCAL = "local"  # worker processes on the server's machine
    RAY = "ray"  # actors on a Ray cluster


@dataclass(frozen=True)
class RunnerChoice:
    """The runner picked at start, how many jobs it trains at once, and why, in one sentence."""

    kind: RunnerKind
    runner: Runner
    max_running: int
    ray_address: str | None  # the Ray cluster asked for, if any
    note: str  # for the log and the teacher's dashboard

    @property
    def fell_back(self) -> bool:
        """True when Ray was asked for but jobs train on this machine instead."""
        return self.ray_address is not None and self.kind == RunnerKind.LOCAL


def select_runner(address: str | None, cpus_per_job: int = DEFAULT_CPUS_PER_JOB,
                  max_running: int | None = None) -> RunnerChoice:
    """The runner for this server: the Ray cluster at `address` if one is given and answers, else local
    workers, saying why.

    `max_running` (jobs at once) overrides what the machine or the cluster would allow.
    """
    if address is None:
        running = max_running or default_max_running()
        return RunnerChoice(RunnerKind.LOCAL, LocalProcessRunner(default_settings(running)), running, None,
                            f"training on this machine's worker processes ({running} at once)")
    try:
        from cnnlab.engine.ray_runner import RayRunner, RayUnavailable
    except ImportError:
        reason = "the ray package is not installed here (pip install -r requirements-ray.txt)"
    else:
        try:
            runner = RayRunner(address, cpus_per_job)
        except RayUnavailable as error:
            reason = str(error)
        else:
            running = max_running or runner.capacity()
            note = (f"training on the Ray cluster at {address}: {running} job{'s' * (running != 1)} at once, "
                    f"{runner.cpus_per_job} CPU{'s' * (runner.cpus_per_job != 1)} each")
            _log.warning("CNN Lab: %s", note)
            return RunnerChoice(RunnerKind.RAY, runner, running, address, note)
    running = max_running or default_max_running()
    note = (f"Ray was asked for (CNNLAB_RAY_ADDRESS={address}) but {reason}; training on this machine's "
            f"worker processes instead ({running} at once)")
    _log.warning("CNN Lab: %s", note)
    local = LocalProcessRunner(default_settings(running))
    return RunnerChoice(RunnerKind.LOCAL, local, running, address, note)
