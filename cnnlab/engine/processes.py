"""Child Python processes for TensorFlow work, started so that they can never re-run a Streamlit page.

Why not `multiprocessing`'s `spawn`: a spawned child first re-imports the parent's `__main__` module, and
inside a Streamlit server `sys.modules["__main__"]` is the page script that ran last (Streamlit installs each
script as `__main__`). The child would execute that page — widgets, query parameters, even another job
manager. Here the child is a plain `python -m cnnlab.engine.processes TARGET FD` whose only job is to call
`TARGET(conn, *args)`, with a `multiprocessing.connection.Connection` over a socket pair as the duplex pipe
(picklable messages both ways; `multiprocessing.connection.wait` works on it, and it reads as closed the
moment the child dies).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import socket
import subprocess
import sys
from multiprocessing.connection import Connection

from cnnlab.engine.paths import PROJECT_ROOT

_JOIN_TIMEOUT_S = 5


class ChildProcess:
    """One Python child process running `target(conn, *args)`, and our end of its connection.

    `target` is "module:function"; `args` are pickled to the child as its first message.
    """

    def __init__(self, target: str, args: tuple = (), name: str = "cnnlab-child") -> None:
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")]))
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cnnlab.engine.processes", target, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=PROJECT_ROOT,
        )
        theirs.close()  # only the child holds it now, so its death reads as end-of-file on our side
        self.conn = Connection(ours.detach())
        self.conn.send(args)

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def is_alive(self) -> bool:
        """True while the child has not exited."""
        return self.process.poll() is None

    @property
    def exitcode(self) -> int | None:
        """The exit status once ended (negative: killed by that signal), else None."""
        return self.process.poll()

    def join(self, timeout: float = _JOIN_TIMEOUT_S) -> None:
        """Wait up to `timeout` seconds for the child to exit."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)

    def terminate(self) -> None:
        """Ask the child to exit (SIGTERM) if it still runs; `end` kills it for good."""
        if self.is_alive():
            self.process.terminate()

    def end(self, grace_s: float = 0.0) -> None:
        """Give the child `grace_s` seconds to exit by itself, then kill it, reap it and close our end.

        A worker that was asked to stop (or has finished) gets a grace period; one that must go now gets 0.
        """
        if grace_s > 0:
            self.join(grace_s)
        if self.is_alive():
            self.process.kill()
        self.join()
        self.conn.close()


def exit_cause(exitcode: int | None) -> str:
    """A child's exit status in words: -9 → "killed by SIGKILL, often out of memory"; None → still running."""
    if exitcode is None:
        return "it stopped responding"
    if exitcode < 0:
        number = -exitcode
        name = signal.Signals(number).name if number in signal.valid_signals() else f"signal {number}"
        hint = ", often out of memory" if number == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exit code {exitcode}"


def _child_main(target: str, fd: int) -> None:
    """Inside the child: rebuild the connection from the inherited descriptor and run the target."""
    conn = Connection(fd)
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    try:
        args = conn.recv()
    except EOFError:  # the parent died before sending anything
        return
    function(conn, *args)


if __name__ == "__main__":
    _child_main(sys.argv[1], int(sys.argv[2]))
