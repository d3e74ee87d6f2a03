"""`python -m cnnlab train … --ray ADDRESS`: one training job through the server's Ray runner.

The job runs exactly as a class server's job would (`engine.ray_runner`): an actor on whichever computer of
the cluster has the server's CPUs per job free (`Settings.ray_cpus_per_job`), events and model files back
through Ray.
"""

from __future__ import annotations

from collections.abc import Callable

from cnnlab.cli.inputs import UsageError
from cnnlab.core.hyper import TrainConfig, config_to_dict
from cnnlab.engine.events import Emit
from cnnlab.lab import Settings

_WAIT_S = 0.2  # how often a Ctrl-C is passed on while Ray has no news
CLI_CONNECT_TIMEOUT_S = 120.0  # one job from the command line may wait longer for a busy cluster


def train_on_ray(address: str, spec: dict, config: TrainConfig, emit: Emit,
                 stop_requested: Callable[[], bool]) -> tuple[dict, str | None]:
    """Train `spec` under `config` on the Ray cluster at `address`, passing every event but "done" to `emit`.

    Returns where it trained (`NodeInfo.to_json()`) and the failure message, if it failed. Raises `UsageError`
    when Ray is not installed or the cluster cannot be reached.
    """
    try:
        from cnnlab.engine.ray_runner import RayRunner, RayUnavailable
    except ImportError:
        raise UsageError("--ray needs the ray package: pip install -r requirements-ray.txt") from None
    try:
        runner = RayRunner(address, Settings.from_environment().ray_cpus_per_job, CLI_CONNECT_TIMEOUT_S)
    except RayUnavailable as error:
        raise UsageError(f"--ray {address}: {error}") from None
    try:
        task = runner.start("train", {"spec": spec, "config": config_to_dict(config)})
        problem: str | None = None
        stop_sent = False
        while not task.finished:
            if stop_requested() and not stop_sent:
                task.request_stop()
                stop_sent = True
            runner.wait([task], _WAIT_S)
            for event in task.events():
                if event["event"] == "failed":
                    problem = event["message"]
                elif event["event"] != "done":
                    emit(event)
        node = task.node()
        return (node.to_json() if node else {}), problem
    finally:
        runner.shutdown()
