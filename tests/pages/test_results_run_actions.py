"""Results under issue 21: a partial score is marked "on N test images" with "Finish testing" (which queues
the rest of the test in a worker), a run can be deleted after a confirmation, and the student sees how much
of their storage budget their runs hold."""

from __future__ import annotations

from cnnlab.engine.jobs import JobKind, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.testing.apptest import RESULTS, messages, metric, open_page
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack
from cnnlab.testing.engine import finished_event
from cnnlab.testing.polling import wait_until


def _run(manager, runner, owner: str, event: dict) -> str:
    """Submit conv4 for `owner`, let the driver thread start it, end it with `event`."""
    started = len(runner.tasks)
    job_id = manager.submit(owner, conv_stack(4), CHALLENGE_CONFIG)
    wait_until(lambda: len(runner.tasks) > started, 10, "the job to start")
    runner.send(runner.tasks[-1], event, {"event": "done"})
    wait_until(lambda: manager.snapshot(job_id, owner).state.is_final, 10, "the job to end")
    return job_id


def test_a_partial_score_is_marked_and_its_test_can_be_finished(scripted) -> None:
    manager, runner = scripted
    ada = new_owner_token()
    job_id = _run(manager, runner, ada, finished_event(stopped=True, accuracy=0.997, tested=1928))
    at = open_page(RESULTS, u=ada)
    assert not at.exception
    assert at.table[0].value["Test accuracy"].tolist() == ["99\\.70 % on 1,928 test images"]
    assert metric(at, "Test accuracy") == "99.70 % on 1,928 test images"
    assert any(m.startswith("This score covers 1,928 of the 10,000 test images: the first test images are "
                            "easier") for m in messages(at, "info"))
    at.button(key=f"finish_testing_{job_id}").click().run()
    assert "conv4: its testing goes on in the queue; follow it on Train." in messages(at, "success")
    wait_until(lambda: runner.tasks[-1].kind == "test", 10, "the test task to start")
    assert runner.tasks[-1].payload["start"] == 1928
    assert manager.snapshot(job_id, ada).kind == JobKind.TEST


def test_a_run_is_deleted_after_a_confirmation(scripted) -> None:
    manager, runner = scripted
    ada = new_owner_token()
    job_id = _run(manager, runner, ada, finished_event(accuracy=0.97))
    at = open_page(RESULTS, u=ada)
    assert any(caption.value.startswith("Your runs hold ") and "of the 200 MB each student may keep" in
               caption.value.replace("\\", "") for caption in at.caption)
    at.button(key=f"results_delete_{job_id}").click().run()
    assert messages(at, "warning")[-1].startswith("Delete conv4 for good? Its model files, curves and test "
                                                  "results go")
    at.button(key=f"results_delete_no_{job_id}").click().run()  # kept
    assert manager.snapshot(job_id, ada).state == JobState.FINISHED
    at.button(key=f"results_delete_{job_id}").click().run()
    at.button(key=f"results_delete_yes_{job_id}").click().run()
    assert "Deleted conv4." in messages(at, "success")
    assert manager.snapshot(job_id, ada) is None and manager.jobs(ada) == []
    assert "No runs yet: train a stack and it will be listed here, newest first." in messages(at, "info")
