"""The Train page in AppTest, with a real job manager training real (small) jobs in worker processes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import JobLimits, JobManager
from cnnlab.lab import Lab, Settings
from cnnlab.testing.apptest import BUILD, TRAIN, messages, open_page, plotly_specs, quick_config
from cnnlab.testing.polling import wait_until

JOB_TIMEOUT_S = 180


@pytest.fixture
def lab(settings: Settings) -> Iterator[Lab]:
    """The pages' Lab as the server builds it (worker processes), training one job at a time."""
    test_lab = Lab(settings, limits=JobLimits(max_running=1))
    yield test_lab
    test_lab.close()


def train_page_after_build(**query: str) -> AppTest:
    """Open Build with `query` (e.g. preset="convnet"), then go to Train in the same session."""
    at = open_page(BUILD, **query)
    return at.switch_page(TRAIN).run()


def subheaders(at: AppTest) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", s.value) for s in at.subheader]


def submit(at: AppTest, **settings: object) -> AppTest:
    for name, value in settings.items():
        widgets = at.selectbox if name in ("optimizer", "schedule") else at.number_input
        widgets(key=f"train_{name}").set_value(value)
    return at.button(key="train_submit").click().run()


def rerun_until(at: AppTest, done, timeout_s: float = JOB_TIMEOUT_S) -> None:
    """Rerun the page (as the fragment's once-a-second timer would) until `done(at)`."""

    def rerun() -> bool:
        at.run()
        assert not at.exception, at.exception
        return done(at)

    wait_until(rerun, timeout_s, "the page to reach the expected state", every_s=0.5)


def test_the_form_starts_with_the_class_demo_settings(manager: JobManager) -> None:
    at = train_page_after_build(preset="convnet")
    assert messages(at, "success") == ["Ready to train convnet: 8 layers, 60,874 parameters."]
    names = ("epochs", "batch_size", "train_size", "learning_rate", "beta_1", "beta_2", "momentum")
    values = {name: at.number_input(key=f"train_{name}").value for name in names}
    assert values == {"epochs": 1, "batch_size": 128, "train_size": 30000, "learning_rate": 0.01,
                      "beta_1": 0.7, "beta_2": 0.9, "momentum": 0.0}
    assert (at.selectbox(key="train_optimizer").value, at.selectbox(key="train_schedule").value) == (
        "adam", "one-cycle")
    assert not messages(at, "info")  # no preset recipe was filled in
    assert any("Caps: 50 epochs, 60,000 training images" in c.value for c in at.caption)


@pytest.mark.keras
def test_the_fast_preset_fills_in_its_recipe_which_stays_editable(manager: JobManager) -> None:
    at = train_page_after_build(preset="fast")
    owner = at.query_params["u"]
    assert messages(at, "info")[0].startswith(
        "Filled in the training settings of the preset Fast: 99 % in one epoch (215,194 parameters): "
        "1 epoch on 60,000 MNIST images · adam, batch 128, learning rate 0.01 (one-cycle), beta_1 0.7, "
        "beta_2 0.9.")
    values = {name: at.number_input(key=f"train_{name}").value for name in
              ("epochs", "batch_size", "learning_rate", "train_size", "validation_split", "warmup_fraction",
               "beta_1", "beta_2")}
    assert values == {"epochs": 1, "batch_size": 128, "learning_rate": 0.01, "train_size": 60000,
                      "validation_split": 0.0, "warmup_fraction": 0.15, "beta_1": 0.7, "beta_2": 0.9}
    assert (at.selectbox(key="train_optimizer").value, at.selectbox(key="train_schedule").value) == (
        "adam", "one-cycle")
    submit(at, train_size=512, momentum=0.5)  # sgd's momentum is not part of an adam run
    [job] = manager.jobs(owner)
    assert (job.config.train_size, job.config.optimizer, job.config.schedule) == (512, "adam", "one-cycle")
    assert (job.config.beta_1, job.config.beta_2, job.config.momentum) == (0.7, 0.9, 0.0)
    at.switch_page(BUILD).run()
    at.selectbox(key="build_preset").set_value("convnet").run()
    at.button(key="build_open_preset").click().run()
    at.switch_page(TRAIN).run()  # another preset: the page's own defaults again, and no note
    assert not messages(at, "info")
    assert at.number_input(key="train_train_size").value == 30000
    assert at.number_input(key="train_validation_split").value == 0.1


@pytest.mark.keras
def test_a_short_job_trains_with_live_curves_and_then_offers_the_h5(manager: JobManager) -> None:
    at = train_page_after_build(preset="convnet")
    owner = at.query_params["u"]
    submit(at, epochs=1, train_size=512)
    assert messages(at, "success")[0].startswith("Job submitted")
    assert subheaders(at)[0] in ("convnet: training", "convnet: waiting in the queue")
    assert len(at.get("progress")) == 1
    rerun_until(at, lambda page: any(s.startswith("Last run") for s in subheaders(page)))
    assert subheaders(at)[0] == "Last run: convnet — finished"
    [figure] = plotly_specs(at)
    batch_line = figure["data"][0]
    assert len(batch_line["x"]) >= 2 and batch_line["x"][-1] == pytest.approx(1.0)
    assert [trace["name"] for trace in figure["data"][:4]] == [
        "training, recent batches", "training, recent batches (smoothed)", "training, end of epoch",
        "validation, end of epoch"]
    labels = [button.label for button in at.download_button]
    assert re.fullmatch(r"Download convnet-\d{1,3}\.\d\d\.h5", labels[0])
    assert labels[1:] == [labels[0].replace(".h5", ".keras"), "Download the Keras code (.py)"]
    [run] = manager.jobs(owner)
    assert labels[0] == f"Download convnet-{run.test_accuracy * 100:.2f}.h5"


def test_the_job_trains_a_frozen_copy_of_the_stack(manager: JobManager) -> None:
    at = train_page_after_build(preset="convnet")
    owner = at.query_params["u"]
    submit(at, epochs=1, train_size=512)
    at.switch_page(BUILD).run()
    at.number_input(key="build_edit_filters_0").set_value(8).run()  # edit while the job runs
    [job] = manager.jobs(owner)
    assert job.params == 60_874 and job.spec["layers"][0]["filters"] == 16


def test_a_stack_that_cannot_train_says_why_and_disables_train(manager: JobManager) -> None:
    at = train_page_after_build(preset="tiny")
    at.switch_page(BUILD).run()
    at.selectbox(key="build_edit_pos").set_value(5).run()
    at.button(key="build_edit_delete").click().run()  # drop the final Dense(10, softmax)
    at.switch_page(TRAIN).run()
    assert messages(at, "error")[0].startswith("Your stack cannot be trained yet — fix it on the Build page:")
    assert "the last layer must be a Dense layer" in messages(at, "error")[0]
    assert at.button(key="train_submit").proto.disabled


@pytest.mark.keras
def test_queue_position_cap_stop_and_refresh(manager: JobManager) -> None:
    at = train_page_after_build(preset="convnet")
    owner = at.query_params["u"]
    long_job = manager.submit(owner, preset_spec("convnet"), quick_config(epochs=20, train_size=20000),
                              "first")
    submit(at, epochs=1, train_size=512)
    assert subheaders(at)[0] == "convnet: waiting in the queue"
    assert at.get("progress")[0].proto.text.startswith("waiting in the queue: position 1 · starts in about ")

    submit(at, epochs=2, train_size=512)  # a second job on purpose (the same press twice is a double click)
    assert messages(at, "error") == ["Not started: you already have 1 job waiting in the queue; the cap is 1 "
                                     "waiting job per student so that everyone gets a turn — wait for it to "
                                     "start, or stop it."]

    refreshed = open_page(TRAIN, u=owner)  # a reload, or the same URL in a new tab
    assert subheaders(refreshed)[0] == "convnet: waiting in the queue"
    stranger = open_page(TRAIN)
    assert subheaders(stranger) == []

    at.button(key="train_stop").click().run()  # stops the queued job; the long one is now the live one
    assert subheaders(at)[0] == "first: training"
    at.button(key="train_stop").click().run()
    rerun_until(at, lambda page: any(s.startswith("Last run") for s in subheaders(page)))
    assert subheaders(at)[0] == "Last run: convnet — stopped"  # the newest job: the one stopped while queued
    assert manager.snapshot(long_job, owner).state == "stopped"
    assert manager.snapshot(long_job, owner).test_accuracy is not None  # stopped early, still tested and kept
