"""Child processes never re-run the Streamlit page that happens to be `__main__`, and report their death."""

from __future__ import annotations

import importlib
import sys
import types
from multiprocessing.connection import wait
from pathlib import Path

import pytest

from cnnlab.engine.processes import ChildProcess, exit_cause
from cnnlab.engine.runner import TRAINING_WORKER_TARGET
from cnnlab.insight.inference import INFERENCE_WORKER_TARGET


@pytest.fixture
def page_as_main(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install a fake `__main__` like Streamlit's script runner does; running it would write a marker file."""
    marker = tmp_path / "page-ran.txt"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('the page ran in the child')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    return marker


def test_child_runs_its_target_and_never_the_page_that_is_main(page_as_main: Path) -> None:
    child = ChildProcess("cnnlab.testing.echo_child:echo", ("hello",))
    try:
        hello = child.conn.recv()
        assert hello["greeting"] == "hello"
        assert hello["pid"] == child.pid
        assert hello["main_file"].endswith("processes.py")
        child.conn.send({"n": 42})
        assert child.conn.recv() == {"n": 42}
    finally:
        child.end()
    assert not page_as_main.exists()


def test_a_dying_child_reads_as_end_of_file_and_reports_its_exit_code(page_as_main: Path) -> None:
    child = ChildProcess("cnnlab.testing.echo_child:echo", ("bye",))
    child.conn.recv()
    child.conn.send("die")
    assert wait([child.conn], timeout=10) == [child.conn]
    with pytest.raises(EOFError):
        child.conn.recv()
    child.join()
    assert child.exitcode == 3
    assert not child.is_alive()
    child.end()


def test_exit_causes_read_as_words() -> None:
    assert exit_cause(-9) == "killed by SIGKILL, often out of memory"
    assert exit_cause(-15) == "killed by SIGTERM"
    assert exit_cause(3) == "exit code 3"
    assert exit_cause(None) == "it stopped responding"


@pytest.mark.parametrize("target", [TRAINING_WORKER_TARGET, INFERENCE_WORKER_TARGET])
def test_the_child_process_targets_name_real_functions(target: str) -> None:
    """The "module:function" strings that start worker processes still resolve after any move of the code."""
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    assert callable(function) and function.__name__ == function_name
