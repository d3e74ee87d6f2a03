"""Queue fairness that holds under identity churn: one waiting job per browser as well as per identity, round
robin by student (no student waits behind two jobs of another), and the teacher's cancel-all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cnnlab.core.presets import preset_spec
from cnnlab.engine.fairness import RoundRobin
from cnnlab.engine.jobs import TEACHER_CANCEL_MESSAGE, JobLimits, JobManager, JobRefused, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import RunStore
from cnnlab.testing.engine import SMALL, ScriptedRunner, finished_event

CONVNET = preset_spec("convnet")


@pytest.fixture
def fair(tmp_path: Path) -> Iterator[tuple[JobManager, ScriptedRunner]]:
    """One job trains at a time; a student may keep three jobs waiting, so the order among them shows."""
    runner = ScriptedRunner()
    manager = JobManager(RunStore(tmp_path / "runs"), runner,
                         JobLimits(max_running=1, max_queued_per_owner=3, max_queued=20))
    yield manager, runner
    manager.shutdown()


def _start_order(manager: JobManager, runner: ScriptedRunner, jobs: int) -> list[str]:
    """Finish the running job and step, `jobs` times: the ids of the jobs that started, in order."""
    started = []
    for _ in range(jobs):
        running = [s for s in manager.live_jobs() if s.state == JobState.RUNNING]
        runner.send(runner.tasks[-1], finished_event(), {"event": "done"})
        manager.step()
        now = {s.job_id for s in manager.live_jobs() if s.state == JobState.RUNNING}
        started += sorted(now - {s.job_id for s in running})
    return started


def test_no_student_waits_behind_two_jobs_of_another(fair: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = fair
    ada, bo, cy = new_owner_token(), new_owner_token(), new_owner_token()
    manager.submit(ada, CONVNET, SMALL)
    manager.step()  # Ada's first job trains
    ada_2, ada_3 = manager.submit(ada, CONVNET, SMALL), manager.submit(ada, CONVNET, SMALL)
    bo_1 = manager.submit(bo, CONVNET, SMALL)
    cy_1 = manager.submit(cy, CONVNET, SMALL)
    # Bo and Cy came after Ada's second and third jobs, but Ada already has one training: round robin
    assert [manager.snapshot(job, who).queue_position for job, who in
            ((bo_1, bo), (cy_1, cy), (ada_2, ada), (ada_3, ada))] == [1, 2, 3, 4]
    assert _start_order(manager, runner, 4) == [bo_1, cy_1, ada_2, ada_3]


def test_a_newcomer_goes_before_a_students_second_job(fair: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = fair
    ada, bo, cy = new_owner_token(), new_owner_token(), new_owner_token()
    manager.submit(cy, CONVNET, SMALL)
    manager.step()  # Cy trains
    ada_1, ada_2 = manager.submit(ada, CONVNET, SMALL), manager.submit(ada, CONVNET, SMALL)
    bo_1 = manager.submit(bo, CONVNET, SMALL)
    assert _start_order(manager, runner, 3) == [ada_1, bo_1, ada_2]


def test_one_browser_keeps_one_job_waiting_whatever_identity_it_takes(
        fair: tuple[JobManager, ScriptedRunner]) -> None:
    manager, _ = fair
    honest, first, second = new_owner_token(), new_owner_token(), new_owner_token()
    manager.submit(honest, CONVNET, SMALL)
    manager.step()  # the honest student's job trains
    manager.submit(first, CONVNET, SMALL, browser="browser-of-the-flood")
    with pytest.raises(JobRefused, match="this browser already has a job waiting in the queue"):
        manager.submit(second, CONVNET, SMALL, browser="browser-of-the-flood")
    manager.submit(second, CONVNET, SMALL, browser="another-browser")  # a classmate's browser is not held


def test_identities_of_one_browser_take_turns_as_one_student(fair: tuple[JobManager, ScriptedRunner]) -> None:
    manager, runner = fair
    flood = [new_owner_token() for _ in range(3)]
    bo = new_owner_token()
    manager.submit(flood[0], CONVNET, SMALL, browser="shared")
    manager.step()  # the flood's first identity trains
    flood_1 = manager.submit(flood[1], CONVNET, SMALL, browser="shared")
    bo_1 = manager.submit(bo, CONVNET, SMALL, browser="bo's browser")
    assert _start_order(manager, runner, 2) == [bo_1, flood_1]


def test_the_teacher_cancels_a_students_waiting_jobs_or_everyones(
        fair: tuple[JobManager, ScriptedRunner]) -> None:
    manager, _ = fair
    ada, bo = new_owner_token(), new_owner_token()
    running = manager.submit(ada, CONVNET, SMALL)
    manager.step()
    ada_waiting = [manager.submit(ada, CONVNET, SMALL) for _ in range(2)]
    bo_waiting = manager.submit(bo, CONVNET, SMALL)

    assert manager.cancel_waiting(ada) == 2
    for job in ada_waiting:
        snapshot = manager.snapshot(job, ada)
        assert (snapshot.state, snapshot.message) == (JobState.STOPPED, TEACHER_CANCEL_MESSAGE)
        assert snapshot.message == ("your teacher cancelled this run while it waited in the queue; nothing "
                                    "was trained")
    assert manager.snapshot(running, ada).state == JobState.RUNNING  # training jobs are left alone
    assert manager.snapshot(bo_waiting, bo).queue_position == 1

    manager.submit(ada, CONVNET, SMALL)
    assert manager.cancel_waiting() == 2  # everyone's
    assert [s.state for s in manager.live_jobs()] == [JobState.RUNNING]
    assert manager.cancel_waiting() == 0


def test_rounds_give_a_newcomer_the_round_being_served() -> None:
    rounds = RoundRobin()
    assert [rounds.assign(student) for student in ("ada", "ada", "ada", "bo")] == [0, 1, 2, 0]
    rounds.started(0)
    rounds.started(1)  # Ada's second job started: round 1 is being served
    assert rounds.assign("cy") == 1  # a newcomer joins it, not round 0 (which has gone by)
    assert rounds.assign("ada") == 3 and rounds.assign("bo") == 1
