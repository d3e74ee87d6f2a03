"""A real Ray cluster on this machine for tests and benchmarks: a head and more raylets, loopback only.

The head is `ray start --head --block` in a temporary directory on a free port with
`--node-ip-address=127.0.0.1`; each extra node (`add_node`) is one more raylet joining it, as a lab PC would.
Every process runs in a session of its own, so `stop` ends exactly the processes this cluster started (their
process groups), never another Ray on the machine.

Why `RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`: on Linux Ray replaces a literal 127.0.0.1 (in `--node-ip-address`
and in the address given to `ray.init`) by the machine's outward address; in its single-machine mode it keeps
the loopback address, so nothing listens or connects beyond 127.0.0.1. Ray reads the variable when it is
imported, so `LocalRayCluster` also sets Ray's flag itself if this process imported `ray` before. `ray start`
refuses to add a worker node in that mode, so `add_node` starts the raylet with Ray's own node launcher
(`cnnlab.testing.ray_node`), as `ray.cluster_utils` does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cnnlab.engine.paths import PROJECT_ROOT

LOOPBACK = "127.0.0.1"
_START_TIMEOUT_S = 120  # a shared 2-core machine takes 10-30 s to start a head
_SINGLE_MACHINE = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


class LocalRayCluster:
    """A Ray head (and optional extra nodes) on 127.0.0.1, started in `__init__` and ended by `stop`."""

    def __init__(self, num_cpus: int) -> None:
        os.environ.update(_SINGLE_MACHINE)  # this process is the driver: it must keep 127.0.0.1 too
        if "ray" in sys.modules:  # imported before: the variable was read already, so set what it set
            from ray._private import ray_constants

            ray_constants.ENABLE_RAY_CLUSTER = False
        self.temp_dir = Path(tempfile.mkdtemp(prefix="cnnlab-ray-", dir="/tmp"))  # short: socket paths
        self.port = free_port()
        self.address = f"{LOOPBACK}:{self.port}"
        self.client_port = free_port()  # Ray Client: ray://127.0.0.1:client_port
        self._processes: list[subprocess.Popen] = []
        ray = str(Path(sys.executable).with_name("ray"))
        head = [ray, "start", "--head", "--block", f"--port={self.port}", f"--node-ip-address={LOOPBACK}",
                f"--temp-dir={self.temp_dir}", f"--num-cpus={num_cpus}", "--include-dashboard=false",
                "--disable-usage-stats", f"--ray-client-server-port={self.client_port}",
                f"--dashboard-agent-listen-port={free_port()}"]  # free ports: no clash with another cluster
        self._start(head, "head", "Ray runtime started")

    def add_node(self, num_cpus: int) -> None:
        """Start one more raylet with `num_cpus` CPUs that joins this cluster (a second "lab PC")."""
        self._start([sys.executable, "-m", "cnnlab.testing.ray_node", self.address, str(self.temp_dir),
                     str(num_cpus)], f"node{len(self._processes)}", "node started")

    def remove_node(self) -> None:
        """Kill the last node `add_node` started, at once, with its workers (a lab PC switched off)."""
        process = self._processes.pop()
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def _start(self, command: list[str], name: str, ready_line: str) -> None:
        """Run `command` in a session of its own with its output in the temp dir; wait for `ready_line`."""
        log = self.temp_dir / f"{name}.log"
        env = {**os.environ, **_SINGLE_MACHINE,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
        with log.open("wb") as output:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output,
                                       stderr=subprocess.STDOUT, env=env, cwd=PROJECT_ROOT,
                                       start_new_session=True)
        self._processes.append(process)
        deadline = time.monotonic() + _START_TIMEOUT_S
        while ready_line not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Ray {name} did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Kill every process this cluster started (each one's whole process group) and remove its files."""
        for process in reversed(self._processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self._processes.clear()
        shutil.rmtree(self.temp_dir, ignore_errors=True)
