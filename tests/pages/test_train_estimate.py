"""Train shows each job's estimated time as the settings change, refuses one over the server's limit before
the press, shows a queued job's expected wait, and takes a double click on Train as one press."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import JobLimits, JobManager
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab, Settings
from cnnlab.testing.apptest import BUILD, TRAIN, messages, open_page, quick_config
from cnnlab.testing.engine import ScriptedRunner


@pytest.fixture
def lab(settings: Settings) -> Iterator[Lab]:
    """The pages' Lab, over a runner that starts jobs but never trains them; a 1-minute limit."""
    test_lab = Lab(settings, runner=ScriptedRunner(), limits=JobLimits(max_running=1, max_job_seconds=60))
    yield test_lab
    test_lab.close()


def train_page() -> AppTest:
    at = open_page(BUILD, preset="convnet")
    return at.switch_page(TRAIN).run()


def captions(at: AppTest) -> list[str]:
    return [caption.value.replace("\\", "") for caption in at.caption]


def test_the_estimate_follows_the_settings_and_warns_over_the_limit(manager: JobManager) -> None:
    at = train_page()
    assert "Estimated time on this server: about 23 s (the limit is 1 min per job)." in captions(at)
    caps = next(caption for caption in captions(at) if caption.startswith("Caps:"))
    assert "1 min per job and 1.5 s per batch (estimated, so Stop answers within seconds)" in caps
    assert "200 MB of run files per student and 5 GB for the class" in caps
    at.number_input(key="train_epochs").set_value(50).run()  # no button pressed: the estimate follows
    at.number_input(key="train_train_size").set_value(60_000).run()
    assert messages(at, "error") == ["Train is off: this job would take about 22 min 50 s on this server; "
                                     "the limit is 1 min — use fewer epochs or images, or fewer filters."]
    assert at.button(key="train_submit").proto.disabled  # refused before any press
    assert messages(at, "success") == []  # no "Ready" beside a refusal
    assert manager.jobs(at.query_params["u"]) == []


def test_a_double_click_on_train_is_one_press(manager: JobManager) -> None:
    at = train_page()
    at.button(key="train_submit").click().run()
    at.button(key="train_submit").click().run()  # the second click of the same press
    assert messages(at, "error") == []
    assert len(manager.jobs(at.query_params["u"])) == 1
    at.number_input(key="train_epochs").set_value(2).run()
    at.button(key="train_submit").click().run()  # a different job, on purpose: it is queued
    assert len(manager.jobs(at.query_params["u"])) == 2


def test_a_queued_job_shows_its_expected_wait(manager: JobManager) -> None:
    other = new_owner_token()
    manager.submit(other, preset_spec("convnet"), quick_config(epochs=1, train_size=6000))
    manager.step()
    assert manager.jobs(other)[0].state == "running"
    at = train_page()
    at.button(key="train_submit").click().run()
    text = at.get("progress")[0].proto.text
    assert text.startswith("waiting in the queue: position 1 · starts in about ")
    assert text.endswith(" s")
