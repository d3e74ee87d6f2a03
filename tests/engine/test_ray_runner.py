"""The Ray runner on a real Ray cluster started by this module on 127.0.0.1: it reports like the local runner,
its models come back through Ray into the server's store, Stop keeps the model, a killed Ray worker fails only
its job, `cnnlab train --ray ray://…` trains through it, and a server restart marks the cluster's job
interrupted."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

import keras
import pytest

from cnnlab.core.hyper import TrainConfig, config_to_dict
from cnnlab.core.presets import preset_spec
from cnnlab.engine.events import Event
from cnnlab.engine.jobs import JobManager, JobState, scored_on
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.engine.runner import LocalProcessRunner, Runner, TaskHandle
from cnnlab.engine.runner_choice import RunnerKind
from cnnlab.engine.store import INTERRUPTED_MESSAGE, ModelFormat, RunStore
from cnnlab.lab import RAY_ADDRESS_ENV, RUNS_DIR_ENV, Lab, Settings
from cnnlab.testing.engine import ScriptedRunner, step_until, step_until_final
from cnnlab.testing.ray_cluster import LocalRayCluster

pytestmark = pytest.mark.keras

ONE_EPOCH = TrainConfig(epochs=1, batch_size=64, train_size=1000, validation_split=0.2)  # 13 steps
LONG = TrainConfig(epochs=5, batch_size=64, train_size=6000, validation_split=0.1)  # 85 steps per epoch


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalRayCluster]:
    """A Ray head with 4 CPUs on 127.0.0.1 (two default jobs of 2 CPUs at a time); this process drives it."""
    ray_cluster = LocalRayCluster(num_cpus=4)
    try:
        from cnnlab.engine.ray_runner import connect

        connect(ray_cluster.address)
        yield ray_cluster
    finally:
        import ray

        ray.shutdown()
        ray_cluster.stop()


@pytest.fixture(scope="module")
def ray_lab(cluster: LocalRayCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A Lab whose job manager picked the Ray runner from CNNLAB_RAY_ADDRESS, as `make run RAY=...` does."""
    environ = {RUNS_DIR_ENV: str(tmp_path_factory.mktemp("ray-runs")), RAY_ADDRESS_ENV: cluster.address}
    lab = Lab(Settings.from_environment(environ))
    yield lab
    lab.close()


@pytest.fixture
def ray_manager(ray_lab: Lab) -> Iterator[JobManager]:
    """The Ray Lab's job manager; the tests step it, and drain it afterwards: every job's actor is released
    (a test ends at its job's final state, before the actor's last word) and the cluster's CPUs are free."""
    yield ray_lab.jobs
    assert ray_lab.jobs.drain(timeout_s=120)


def _run(runner: Runner, config: TrainConfig) -> tuple[list[Event], TaskHandle]:
    """Every event of one training task of the reference convnet, driven as the job manager does."""
    task = runner.start("train", {"spec": preset_spec("convnet"), "config": config_to_dict(config)})
    events: list[Event] = []
    while not events or events[-1]["event"] != "done":
        runner.wait([task], 1.0)
        events += task.events()
    return events, task


def _by_kind(events: list[Event]) -> dict[str, Event]:
    """The last event of each kind."""
    return {event["event"]: event for event in events}


def _load(data: bytes, path: Path) -> keras.Model:
    """A model file's bytes, loaded by plain Keras."""
    path.write_bytes(data)
    return keras.saving.load_model(path)


def test_the_ray_runner_reports_like_the_local_runner(cluster: LocalRayCluster, tmp_path: Path) -> None:
    from cnnlab.engine.ray_runner import RayRunner

    local = LocalProcessRunner()
    try:
        local_events, _ = _run(local, ONE_EPOCH)
    finally:
        local.shutdown()
    runner = RayRunner(cluster.address, cpus_per_job=2)
    try:
        ray_events, task = _run(runner, ONE_EPOCH)
        node = task.node()
    finally:
        runner.shutdown()

    kinds = [kind for kind, _ in groupby(event["event"] for event in ray_events)]
    assert kinds == ["started", "batch", "epoch", "testing", "finished", "done"]
    assert kinds == [kind for kind, _ in groupby(event["event"] for event in local_events)]
    on_ray, here = _by_kind(ray_events), _by_kind(local_events)
    started = {"event": "started", "epochs": 1, "steps_per_epoch": 13, "fit_size": 800,
               "validation_size": 200, "params": 60_874}
    assert on_ray["started"] == here["started"] == started
    for kind in ("batch", "epoch", "finished"):
        assert on_ray[kind].keys() == here[kind].keys()
    finished = on_ray["finished"]
    assert finished["stopped"] is False and sum(map(sum, finished["confusion"])) == 10_000
    for fmt in ("h5", "keras"):
        ours = _load(finished[fmt], tmp_path / f"ray.{fmt}")
        assert ours.count_params() == _load(here["finished"][fmt], tmp_path / f"local.{fmt}").count_params()
        assert ours.count_params() == 60_874
    assert node is not None and node.ip == "127.0.0.1"


def test_a_job_on_ray_is_stored_by_the_server(ray_lab: Lab, ray_manager: JobManager, tmp_path: Path) -> None:
    assert ray_lab.runner_choice.kind == RunnerKind.RAY
    assert ray_manager.limits.max_running == 2  # 4 CPUs on the cluster, 2 per job
    owner = new_owner_token()
    job_id = ray_manager.submit(owner, preset_spec("convnet"), ONE_EPOCH)
    final = step_until_final(ray_manager, owner, job_id)[-1]
    assert (final.state, final.message) == (JobState.FINISHED, "")
    assert [record.epoch for record in final.epochs_history] == [1]
    result = ray_manager.result(job_id, owner)
    assert sum(map(sum, result.confusion)) == 10_000 and len(result.predicted) == 10_000
    for fmt in ModelFormat:
        path = ray_manager.model_file(job_id, owner, fmt)
        assert _load(path.read_bytes(), tmp_path / path.name).count_params() == 60_874


def test_stop_on_ray_ends_at_a_batch_boundary_and_keeps_the_model(ray_manager: JobManager) -> None:
    owner = new_owner_token()
    job_id = ray_manager.submit(owner, preset_spec("convnet"), LONG)
    at_stop = step_until(ray_manager, owner, job_id, lambda snapshot: len(snapshot.batch_points) >= 3)[-1]
    assert ray_manager.stop(job_id, owner)
    final = step_until_final(ray_manager, owner, job_id)[-1]
    assert final.state == JobState.STOPPED
    tested = re.fullmatch(r"stopped early; the model trained so far was tested on (.+) and saved",
                          final.message)
    assert tested and tested.group(1) in {scored_on(images, LONG) for images in range(10_001)}
    steps_at_stop = (at_stop.epoch - 1) * 85 + at_stop.step
    steps_at_end = (final.epoch - 1) * 85 + final.step
    # a few compiled calls of 3 steps (more on a busy machine, where the stop reaches Ray later), never the
    # rest of the 425
    assert steps_at_end - steps_at_stop <= 10 * 3
    assert ray_manager.model_file(job_id, owner, ModelFormat.H5) is not None


def test_a_killed_ray_worker_fails_only_its_job(ray_manager: JobManager) -> None:
    from cnnlab.engine.ray_runner import LEFT_CLUSTER_MESSAGE

    owner = new_owner_token()
    doomed = ray_manager.submit(owner, preset_spec("convnet"), LONG)
    step_until(ray_manager, owner, doomed, lambda snapshot: len(snapshot.batch_points) >= 1)
    [pid] = ray_manager.runner.busy_worker_pids()
    os.kill(pid, signal.SIGKILL)
    final = step_until_final(ray_manager, owner, doomed)[-1]
    assert (final.state, final.message) == (JobState.FAILED, LEFT_CLUSTER_MESSAGE)
    assert final.batch_points  # the curve it drew is kept
    after = ray_manager.submit(owner, preset_spec("convnet"), ONE_EPOCH)
    assert step_until_final(ray_manager, owner, after)[-1].state == JobState.FINISHED


def test_the_command_line_trains_through_the_ray_runner_as_a_ray_client(cluster: LocalRayCluster,
                                                                         tmp_path: Path) -> None:
    out = tmp_path / "convnet.h5"
    command = [sys.executable, "-m", "cnnlab", "train", "--preset", "convnet", "--limit", "1000", "--epochs",
               "1", "--batch-size", "64", "--out", str(out), "--json",
               "--ray", f"ray://127.0.0.1:{cluster.client_port}"]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["runner"] == "ray" and report["node"]["ip"] == "127.0.0.1" and report["node"]["pid"] > 0
    assert (report["epochs"], report["stopped"], report["params"]) == (1, False, 60_874)
    assert _load(out.read_bytes(), tmp_path / "loaded.h5").count_params() == 60_874


_SERVER = """
import json, sys, time
from cnnlab.core.presets import preset_spec
from cnnlab.lab import running_lab

owner = sys.argv[1]
lab = running_lab()  # as the web server's pages get it
manager = lab.jobs
cut = manager.submit(owner, preset_spec("convnet"), {"epochs": 5, "train_size": 6000, "batch_size": 64})
while not manager.snapshot(cut, owner).batch_points:
    time.sleep(0.05)
print(json.dumps({"runner": lab.runner_choice.kind, "cut": cut,
                  "workers": manager.runner.busy_worker_pids()}), flush=True)
while True:
    time.sleep(1)
"""


def _gone_within(pid: int, timeout_s: float) -> bool:
    """True once `pid` has exited (or is a zombie) within `timeout_s` seconds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.2)
    return False


def test_a_server_restart_marks_its_cluster_job_interrupted(cluster: LocalRayCluster, tmp_path: Path) -> None:
    root, owner = tmp_path / "runs", new_owner_token()
    env = {**os.environ, RUNS_DIR_ENV: str(root), RAY_ADDRESS_ENV: cluster.address}
    server = subprocess.Popen([sys.executable, "-c", _SERVER, owner], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([server.stdout], [], [], 300)
        assert ready, "the server did not start its cluster job"
        state = json.loads(server.stdout.readline())
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=60)
    finally:
        server.kill()
        server.stdout.close()
    assert state["runner"] == "ray" and len(state["workers"]) == 1
    assert _gone_within(state["workers"][0], timeout_s=60), "the job's Ray worker outlived its server"
    restarted = JobManager(store=RunStore(root), runner=ScriptedRunner())
    try:
        cut = restarted.snapshot(state["cut"], owner)
        assert (cut.state, cut.message) == (JobState.INTERRUPTED, INTERRUPTED_MESSAGE)
    finally:
        restarted.shutdown()
