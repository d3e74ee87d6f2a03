"""The challenge store (active, ended, kept across a restart) and its enforcement in the Lab's job manager: a
request that breaks a limit is refused whatever page or script sends it."""

from __future__ import annotations

import pytest

from cnnlab.classroom.classroom import Classroom
from cnnlab.core.challenge import parse_challenge
from cnnlab.core.hyper import Optimizer, TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import JobManager, JobRefused
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import RunStore
from cnnlab.testing.engine import ScriptedRunner

SMALL_NET = {
    "name": "small",
    "input_shape": [28, 28, 1],
    "layers": [  # 80 + 13,530 = 13,610 → under 20,000
        {"type": "Conv2D", "filters": 8, "kernel_size": 3},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ],
}
COMPLIANT = {"epochs": 1, "train_size": 2000, "optimizer": "adam"}


def _challenge(**changes: object):
    challenge, problems = parse_challenge(
        {
            "title": "Small",
            "max_params": 20_000,
            "epochs": 1,
            "train_images": 2000,
            "locks": {"optimizer": "adam"},
            **changes,
        }
    )
    assert not problems
    return challenge


def test_no_challenge_until_one_is_set_and_the_last_one_stays_after_it_ends(classroom: Classroom) -> None:
    store = classroom.challenges
    assert (store.active(), store.latest()) == (None, None)
    first = store.start(_challenge(title="First"))
    second = store.start(_challenge(title="Second"))
    assert store.active() == second and second.challenge.title == "Second"
    ended = store.end()
    assert ended.challenge_id == second.challenge_id and ended.ended_at is not None
    assert store.active() is None and store.active_challenge() is None
    assert store.latest().challenge.title == "Second" and not store.latest().active
    assert store.end() is None
    assert first.challenge_id < second.challenge_id


def test_challenges_survive_a_restart(classroom: Classroom, settings) -> None:
    entry = classroom.challenges.start(_challenge())
    assert Classroom.at(settings.runs_dir).challenges.active() == entry  # a fresh one over the same directory


def test_a_window_covers_the_runs_submitted_while_it_was_active(classroom: Classroom) -> None:
    store = classroom.challenges
    entry = store.start(_challenge())
    ended = store.end()
    assert entry.covers(entry.started_at) and not entry.covers(entry.started_at - 1)
    assert not ended.covers(ended.ended_at) and ended.covers(ended.ended_at - 1e-6)


@pytest.mark.parametrize(
    ("spec", "config", "message"),
    [
        (preset_spec("convnet"), COMPLIANT, "Small: 60,874 parameters — over the limit of 20,000 by 40,874"),
        (SMALL_NET, {**COMPLIANT, "epochs": 5}, "Small: 5 epochs — over the limit of 1 by 4"),
        (
            SMALL_NET,
            {**COMPLIANT, "train_size": 60_000},
            "Small: 60,000 training images — over the limit of 2,000 by 58,000",
        ),
        (
            SMALL_NET,
            {**COMPLIANT, "optimizer": "sgd"},
            "Small: optimizer sgd — the challenge locks optimizer to adam",
        ),
    ],
)
def test_a_crafted_request_breaking_a_limit_is_refused(
    classroom: Classroom, manager: JobManager, spec: object, config: dict, message: str
) -> None:
    classroom.challenges.start(_challenge())
    owner = new_owner_token()
    with pytest.raises(JobRefused) as refusal:
        manager.submit(owner, spec, config)  # straight to the manager, as a hand-made request would
    assert str(refusal.value) == message
    assert manager.jobs(owner) == []


def test_a_compliant_run_is_queued_and_an_ended_challenge_limits_nothing(classroom: Classroom,
                                                                         manager: JobManager) -> None:
    store = classroom.challenges
    store.start(_challenge())
    owner = new_owner_token()
    manager.submit(owner, SMALL_NET, TrainConfig(epochs=1, train_size=2000, optimizer=Optimizer.ADAM))
    store.end()
    manager.submit(new_owner_token(), preset_spec("convnet"), {"epochs": 5})
    assert len(manager.live_jobs()) == 2


def test_the_manager_takes_the_challenge_from_the_callable_it_is_given(store: RunStore) -> None:
    manager = JobManager(store, ScriptedRunner(), challenge=lambda: _challenge(max_params=100))
    try:
        with pytest.raises(JobRefused, match="13,610 parameters — over the limit of 100 by 13,510"):
            manager.submit(new_owner_token(), SMALL_NET, COMPLIANT)
    finally:
        manager.shutdown()


def test_a_store_over_a_runs_directory_not_made_yet_makes_it(tmp_path) -> None:
    root = tmp_path / "not" / "yet"
    assert Classroom.at(root).challenges.latest() is None
    assert (root / "classroom.sqlite3").is_file()
