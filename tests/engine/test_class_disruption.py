"""One student must not be able to disrupt the class: "Clear cache", a module reload and the class config.

Streamlit's "Clear cache" (menu item, the `c` key, or a `clear_cache` message any browser can send) clears
`st.cache_resource` and `st.cache_data` for every user; a changed source file makes Streamlit re-import the
changed modules. Neither may orphan the Lab or a running job: afterwards `running_lab()` must hand back
the very same Lab, and the running job must still be running, still fed by its worker, and still on its
student's Train page. The in-process tests drive the Lab's real driver thread with the engine's scripted
runner; the `keras` test sends a real `clear_cache` message to the app started as the README starts it while
a real job trains.
"""

from __future__ import annotations

import asyncio
import importlib
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config as streamlit_config

from cnnlab import lab as lab_module
from cnnlab.core.presets import preset_spec
from cnnlab.core.stack_doc import stack_from_spec
from cnnlab.engine.jobs import JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.lab import Lab, Settings, running_lab, serving
from cnnlab.testing.apptest import TRAIN, open_page, shown
from cnnlab.testing.engine import ScriptedRunner
from cnnlab.testing.own_loop import run_in_own_loop
from cnnlab.testing.polling import wait_until
from cnnlab.testing.server import started_server
from cnnlab.testing.streamlit_client import Run, StreamlitSession

CLASS_SETTINGS = {  # what serving a class needs, and why
    ("client", "toolbarMode"): "viewer",  # no "Clear cache" / "Rerun" items in the students' menu
    ("server", "fileWatcherType"): "none",  # an edited file never re-imports modules under running jobs
    ("server", "runOnSave"): False,
    ("runner", "postScriptGC"): False,  # a full gc.collect() after every rerun cost more than the Build page
}


def _batch(step: int) -> dict:
    return {"event": "batch", "epoch": 1, "step": step, "loss": 2.0 / step, "accuracy": 0.1 * step,
            "samples_per_second": 900.0, "elapsed_s": 0.1 * step}


@pytest.fixture
def running_job(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Lab, ScriptedRunner,
                                                                                       str, str]]:
    """The Lab this process serves (its driver thread stepping a scripted runner's jobs), with one job
    training: (lab, runner, owner, job id)."""
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])  # AppTest replaces it
    runner = ScriptedRunner()
    with serving(Lab(settings, runner=runner)) as lab:
        assert running_lab() is lab
        owner = new_owner_token()
        job_id = lab.jobs.submit(owner, preset_spec("convnet"), {"epochs": 1, "train_size": 1000})
        wait_until(lambda: bool(runner.tasks))
        runner.send(runner.tasks[0], {"event": "started", "steps_per_epoch": 8}, _batch(1))
        wait_until(lambda: len(lab.jobs.snapshot(job_id, owner).batch_points) == 1)
        yield lab, runner, owner, job_id
    lab.close()


def _still_training(lab: Lab, runner: ScriptedRunner, owner: str, job_id: str) -> None:
    """The job is running, and the Lab's driver thread still turns its worker's events into its snapshot."""
    assert lab.jobs.snapshot(job_id, owner).state == JobState.RUNNING
    runner.send(runner.tasks[0], _batch(2))
    wait_until(lambda: len(lab.jobs.snapshot(job_id, owner).batch_points) == 2)
    assert len(runner.tasks) == 1  # not started a second time by a second Lab


def _train_page_heading(lab: Lab, owner: str) -> list[str]:
    """The headings of the owner's Train page in a fresh session (as after a refresh), with a stack."""
    lab.drafts.save(owner, stack_from_spec(preset_spec("convnet")))
    at = open_page(TRAIN, u=owner)
    assert not at.exception
    return [shown(heading.value) for heading in at.subheader]


def test_the_class_server_config_hides_clear_cache_and_never_reloads_modules() -> None:
    settings = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    known = streamlit_config._config_options_template  # every option Streamlit understands
    for (section, name), value in CLASS_SETTINGS.items():
        assert settings[section][name] == value, f"{section}.{name}"
    for section, options in settings.items():
        for name in options:
            assert f"{section}.{name}" in known, f"{section}.{name} is not a Streamlit option (a typo?)"


def test_clear_cache_keeps_the_lab_and_its_running_job(running_job) -> None:
    lab, runner, owner, job_id = running_job
    st.cache_resource.clear()
    st.cache_data.clear()
    assert running_lab() is lab
    _still_training(lab, runner, owner, job_id)
    assert "convnet: training" in _train_page_heading(lab, owner)


def _cnnlab_modules() -> list[str]:
    return [name for name in sys.modules if name.split(".")[0] == "cnnlab"]


@pytest.fixture
def restored_modules() -> Iterator[None]:
    """Put every cnnlab module back exactly as it was after a test that reloads or re-imports them: other
    tests hold the original classes (e.g. `pytest.raises(JobRefused)`), and `importlib.reload` rebinds them
    inside the very same module objects."""
    saved = {name: (sys.modules[name], dict(sys.modules[name].__dict__)) for name in _cnnlab_modules()}
    yield
    for name in _cnnlab_modules():
        del sys.modules[name]
    for name, (module, namespace) in saved.items():
        module.__dict__.clear()
        module.__dict__.update(namespace)
        sys.modules[name] = module


@pytest.mark.parametrize("how", ["importlib.reload", "re-import"])
def test_a_module_reload_keeps_the_lab_and_its_running_job(running_job, restored_modules, how: str) -> None:
    lab, runner, owner, job_id = running_job
    if how == "importlib.reload":
        modules = ("cnnlab.engine.store", "cnnlab.engine.runner", "cnnlab.engine.jobs", "cnnlab.lab",
                   "cnnlab.ui.train_view")
        for name in modules:
            importlib.reload(importlib.import_module(name))
        fresh = sys.modules["cnnlab.lab"]
    else:  # what Streamlit's file watcher does with changed modules: forget them; the next import loads anew
        for name in _cnnlab_modules():
            del sys.modules[name]
        fresh = importlib.import_module("cnnlab.lab")
        assert fresh is not lab_module
    assert fresh.running_lab() is lab
    assert fresh.running_lab().inference is lab.inference  # and so the one inference worker, too
    _still_training(lab, runner, owner, job_id)
    assert "convnet: training" in _train_page_heading(lab, owner)


# ------------------------------------------------------------------------------------------- a real server


def _progress(run: Run) -> str:
    """The text under the live job's progress bar ("epoch 1 of 50 · batch 12 of 422 · …")."""
    bars = run.all("progress")
    return bars[-1].proto.text if bars else ""


async def _clear_cache_while_a_job_trains(base_url: str) -> tuple[str, str, list[str]]:
    """Open Build and Train as one student, start a long job, wait for its live progress, send Streamlit's
    `clear_cache` message, reload the page; returns (progress before, after, headings after)."""
    owner = new_owner_token()
    session, _ = await StreamlitSession.open(base_url, "Build", f"preset=convnet&u={owner}", timeout_s=120)
    try:
        await session.go_to("Train", session.query_string)
        # long enough to outlast the test, within the 10-minute limit per job
        await session.interact({"train_epochs": 10, "train_train_size": 60000}, click="train_submit")
        before = ""
        for _ in range(240):  # the first worker imports TensorFlow first; then batches arrive
            await asyncio.sleep(0.5)
            await session.until_idle()
            before = next((_progress(run) for run in reversed(session.background) if _progress(run)), before)
            if re.search(r"batch [1-9]", before):
                break
        await session.send_clear_cache()
        reloaded = await session.go_to("Train", f"u={owner}")
        after = _progress(reloaded)
        headings = [shown(element.proto.body) for element in reloaded.all("heading")]
        await session.interact(click="train_stop")
        return before, after, headings
    finally:
        await session.close()


@pytest.mark.keras
def test_a_clear_cache_message_from_a_student_leaves_a_training_job_alone(tmp_path: Path) -> None:
    # The client's event loop gets a thread of its own: the browser tests' Playwright keeps one running here.
    with started_server(tmp_path) as server:
        before, after, headings = run_in_own_loop(_clear_cache_while_a_job_trains(server.url))
    assert re.search(r"batch [1-9]", before), before
    assert "convnet: training" in headings
    done = lambda text: int(re.search(r"batch ([\d,]+)", text).group(1).replace(",", ""))  # noqa: E731
    assert done(after) >= done(before), (before, after)
