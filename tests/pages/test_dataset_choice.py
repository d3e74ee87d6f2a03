"""Train's Dataset choice (AppTest, scripted job manager): MNIST digits by default, Fashion-MNIST clothes on
request, kept with the run and the student's settings, kept when a preset's recipe is filled in, and locked
to a challenge's dataset; the teacher sets that dataset on the dashboard."""

from __future__ import annotations

import dataclasses

import pytest

from cnnlab.classroom.classroom import Classroom
from cnnlab.core.challenge import parse_challenge
from cnnlab.core.datasets import Dataset
from cnnlab.engine.jobs import JobManager, JobRefused
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Settings
from cnnlab.testing.apptest import BUILD, TRAIN, messages, open_page, shown
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack, finished_run

TEACHER = "pages/6_Teacher.py"
KEY = "teacher-key-for-tests"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server was started with the teacher key `KEY`."""
    return dataclasses.replace(settings, teacher_key=KEY)


def _train_page(**query: str):
    at = open_page(BUILD, **query)
    return at.switch_page(TRAIN).run()


def test_mnist_is_the_default_and_fashion_mnist_trains_when_chosen(manager: JobManager) -> None:
    at = _train_page(preset="tiny")
    dataset = at.selectbox(key="train_dataset")
    assert (dataset.label, dataset.value, dataset.options) == (
        "Dataset", "mnist", ["MNIST digits", "Fashion-MNIST clothes"])
    dataset.set_value("fashion").run()
    at.button(key="train_submit").click().run()
    assert not at.exception and not at.error
    owner = at.query_params["u"]
    [job] = manager.jobs(owner)
    assert job.config.dataset is Dataset.FASHION
    assert manager.store.get(job.job_id, owner).config["dataset"] == "fashion"
    assert "1 epoch on 30,000 Fashion-MNIST images" in " ".join(shown(c.value) for c in at.caption)


def test_the_choice_is_remembered_and_survives_opening_a_preset_with_a_recipe(manager: JobManager) -> None:
    at = _train_page(preset="tiny")
    at.selectbox(key="train_dataset").set_value("fashion").run()
    owner = at.query_params["u"]
    at = open_page(TRAIN, u=owner)  # a new session: the student's last settings
    assert at.selectbox(key="train_dataset").value == "fashion"
    at.switch_page(BUILD).run()
    at.query_params["preset"] = "fast"
    at.run()
    at.switch_page(TRAIN).run()
    assert messages(at, "info")[0].startswith("Filled in the training settings of the preset Fast")
    assert "on 60,000 Fashion-MNIST images" in messages(at, "info")[0]
    assert at.selectbox(key="train_dataset").value == "fashion"
    assert at.number_input(key="train_train_size").value == 60000  # the recipe's own settings


def test_a_challenge_locks_its_dataset_and_refuses_another(classroom: Classroom, manager: JobManager) -> None:
    challenge, _ = parse_challenge({"title": "Clothes", "dataset": "fashion", "max_params": 50_000})
    classroom.challenges.start(challenge)
    at = _train_page(preset="tiny")
    dataset = at.selectbox(key="train_dataset")
    assert (dataset.value, dataset.disabled) == ("fashion", True)
    banner = " ".join(shown(m) for m in messages(at, "info"))
    assert "on Fashion-MNIST clothes · at most 50,000 parameters" in banner
    at.button(key="train_submit").click().run()
    assert not at.error
    [job] = manager.jobs(at.query_params["u"])
    assert job.config.dataset is Dataset.FASHION
    with pytest.raises(JobRefused) as refusal:
        manager.submit("q" * 24, job.spec, {"dataset": "mnist", "epochs": 1, "train_size": 1000})
    assert str(refusal.value) == ("Clothes: MNIST digits — the challenge is on Fashion-MNIST clothes; choose "
                                  "Fashion-MNIST clothes as the dataset")


def test_the_teacher_sees_the_dataset_and_sets_a_challenge_on_it(scripted, classroom: Classroom) -> None:
    manager, runner = scripted
    ada = new_owner_token()
    classroom.roster.set_name(ada, "Ada")
    finished_run(manager, runner, ada, conv_stack(4), 0.8812,
                 dataclasses.replace(CHALLENGE_CONFIG, dataset=Dataset.FASHION))
    at = open_page(TEACHER, key=KEY)
    assert not at.exception
    assert at.dataframe[0].value.to_dict("records")[0]["Current job"] == "finished · 88.12 % on Fashion-MNIST"
    assert at.selectbox(key="teacher_dataset").value == "mnist"
    at.text_input(key="teacher_title").input("Clothes")
    at.selectbox(key="teacher_dataset").set_value("fashion")
    at.button(key="teacher_set_challenge").click().run()
    assert not at.exception and not at.error
    assert classroom.challenges.active_challenge().dataset is Dataset.FASHION
