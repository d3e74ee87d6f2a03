"""The app as a test or a benchmark sees it: started exactly as the README starts it (`make run PORT=…`) on
127.0.0.1 with a private runs directory, stopped with its whole process group, and its processes measured."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.lab import RUNS_DIR_ENV

STARTUP_TIMEOUT_S = 240  # a first `make run` also installs the requirements


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass(frozen=True)
class Server:
    """The app under test: its URL, runs directory, log, and the process group of `make run`."""

    url: str
    runs_dir: Path
    log: Path
    process: subprocess.Popen


@contextmanager
def started_server(work_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """`make run PORT=…` as the README starts it, on 127.0.0.1, with a private runs directory (and
    `extra_env`, e.g. a Streamlit option as STREAMLIT_RUNNER_POST_SCRIPT_GC=false); the whole process group
    (server and training workers) is terminated on the way out, whatever happened."""
    port = _free_port()
    runs_dir, log = work_dir / "runs", work_dir / "server.log"
    env = {**os.environ, **(extra_env or {}), RUNS_DIR_ENV: str(runs_dir),
           "STREAMLIT_SERVER_ADDRESS": "127.0.0.1"}
    with log.open("wb") as log_file:
        process = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=PROJECT_ROOT, env=env,
                                   stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", runs_dir, log, process)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(server.url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`make run` did not come up; its output:\n{log.read_text()[-3000:]}")
            time.sleep(0.25)
        yield server
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the whole process group (make, server, workers); SIGKILL what is left after 20 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            process.poll()  # reap `make` so that it does not linger in the group as a zombie
            if not _group_alive(process.pid):
                return
            time.sleep(0.2)


def _group_alive(session_id: int) -> bool:
    """True while a process of the session is still running (zombies awaiting their reaper do not count)."""
    return any(fields[0] != "Z" for _, fields in _session_processes(session_id))


# ------------------------------------------------------------------------------------------- memory


def _session_processes(session_id: int) -> Iterator[tuple[int, list[str]]]:
    """(pid, /proc/<pid>/stat fields after the command name) of every process in session `session_id`."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # fields[0] is field 3 (state) of proc(5)
        if int(fields[3]) == session_id:
            yield int(entry.name), fields


class MemorySampler:
    """Samples the resident memory of a process group (the server and every worker it spawned)."""

    def __init__(self, session_id: int, main_pid: Callable[[], int | None], period_s: float = 0.5) -> None:
        """Watch every process in session `session_id`; `main_pid()` names the web server among them."""
        self.session_id, self.main_pid, self.period_s = session_id, main_pid, period_s
        self.peak_total_mb = 0.0
        self.peak_main_mb = 0.0
        self.worker_nice: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="rss-sampler")

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
        while not self._stop.wait(self.period_s):
            main = self.main_pid()
            total = 0.0
            for pid, fields in _session_processes(self.session_id):
                rss_mb = int(fields[21]) * page_mb  # field 24, rss in pages
                total += rss_mb
                if pid == main:
                    self.peak_main_mb = max(self.peak_main_mb, rss_mb)
                elif int(fields[16]) != 0:  # field 19, nice: the training workers lower their priority
                    self.worker_nice.add(int(fields[16]))
            self.peak_total_mb = max(self.peak_total_mb, total)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time a process has used so far (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, TypeError):
        return 0.0
    fields = stat[stat.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # fields 14 and 15


def streamlit_pid(make_pid: int) -> int | None:
    """The `streamlit run` process: the child of `make`."""
    for pid, fields in _session_processes(make_pid):
        if int(fields[1]) == make_pid:
            return pid
    return None
