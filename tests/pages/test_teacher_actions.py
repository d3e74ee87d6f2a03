"""Issue 21 on the teacher's dashboard (AppTest; two dashboards are two teachers' tabs).

Case 9: a second teacher's stale "End the challenge" ended the newer challenge, and the teacher key stayed in
the dashboard's address (visible when projected). Every action now carries what it was drawn for and is
refused when that changed; the key leaves the address after the first load.
Case 1: 2,000 "I'm someone else" presses made 2,000 permanent students, with no way to remove them. Idle
newcomers now leave the dashboard after ten minutes, the teacher removes students (one, or every one without
runs), and a new class archives the old one (downloadable) and starts empty.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.classroom.archive import class_bundle, past_classes
from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.presence import NEWCOMER_GRACE_S
from cnnlab.core.challenge import parse_challenge
from cnnlab.engine.jobs import JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab, Settings
from cnnlab.testing.apptest import messages, open_page, popover_labels
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack, finished_run
from cnnlab.testing.engine import finished_event

TEACHER = "pages/6_Teacher.py"
KEY = "teacher-key-for-tests"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server was started with the teacher key `KEY`."""
    return dataclasses.replace(settings, teacher_key=KEY)


def _challenge(title: str):
    return parse_challenge({"title": title})[0]


def _students(at: AppTest) -> list[str]:
    return [row["Student"] for row in at.dataframe[0].value.to_dict("records")] if at.dataframe else []


def test_the_key_leaves_the_address_after_the_first_load(lab: Lab) -> None:
    at = open_page(TEACHER, key=KEY)
    assert "key" not in at.query_params
    scripts = " ".join(element.proto.body for element in at.get("html"))
    assert lab.teacher_key.cookie_value() in scripts and KEY not in scripts  # the cookie holds no key
    at.run()  # a redraw still has the dashboard: the key is kept in the session
    assert "key" not in at.query_params
    assert at.button(key="teacher_new_class") is not None
    assert not [m for m in messages(at, "info") if "needs the teacher's link" in m]


def test_a_stale_end_never_ends_a_newer_challenge(classroom: Classroom) -> None:
    classroom.challenges.start(_challenge("First"))
    first_teacher, second_teacher = open_page(TEACHER, key=KEY), open_page(TEACHER, key=KEY)
    second_teacher.button(key="teacher_end_challenge").click().run()
    classroom.challenges.start(_challenge("Second"))
    first_teacher.button(key="teacher_end_challenge").click().run()  # drawn for "First"
    assert classroom.challenges.active().challenge.title == "Second"
    assert messages(first_teacher, "warning") == [
        "Nothing was ended: another page set Second since your page was drawn; it is the active one now."]


def test_a_stale_challenge_form_does_not_replace_a_newer_challenge(classroom: Classroom) -> None:
    first_teacher = open_page(TEACHER, key=KEY)  # drawn with no challenge
    classroom.challenges.start(_challenge("Second"))
    first_teacher.text_input(key="teacher_title").input("First")
    first_teacher.button(key="teacher_set_challenge").click().run()
    assert classroom.challenges.active().challenge.title == "Second"
    assert messages(first_teacher, "warning") == [
        "Challenge not set: another page set Second since your page was drawn; it is the active one now. "
        "Set yours again to replace it."]
    first_teacher.text_input(key="teacher_title").input("First")
    first_teacher.button(key="teacher_set_challenge").click().run()  # drawn anew: now it replaces it
    assert classroom.challenges.active().challenge.title == "First"


def test_a_cancel_drawn_for_a_queued_job_does_not_stop_it_once_it_trains(scripted) -> None:
    manager, runner = scripted
    ada, bob = new_owner_token(), new_owner_token()
    running = manager.submit(ada, conv_stack(4), CHALLENGE_CONFIG)
    queued = manager.submit(bob, conv_stack(4), CHALLENGE_CONFIG)
    manager.step()
    at = open_page(TEACHER, key=KEY)
    assert "Cancel" in popover_labels(at)  # asks first
    assert at.button(key=f"teacher_stop_{queued}").label == "Yes, cancel it"
    manager.stop(running, ada)
    manager.step()
    runner.send(runner.tasks[0], finished_event(accuracy=0.9), {"event": "done"})
    for _ in range(20):
        manager.step(0.05)
        if manager.snapshot(queued, bob).state == JobState.RUNNING:
            break
    assert manager.snapshot(queued, bob).state == JobState.RUNNING
    at.button(key=f"teacher_stop_{queued}").click().run()
    assert manager.snapshot(queued, bob).state == JobState.RUNNING
    assert messages(at, "warning") == [
        "conv4 started training since your page was drawn, so it was not cancelled; press Stop if you mean "
        "to stop it."]


def test_a_stale_rename_share_and_hide_are_refused(scripted, classroom: Classroom) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    classroom.roster.set_name(owner, "xXx")
    classroom.challenges.start(_challenge("T"))
    run_id = finished_run(manager, runner, owner, conv_stack(4), 0.97)
    at = open_page(TEACHER, key=KEY)
    classroom.roster.set_name(owner, "Ada")  # the student renamed themselves since
    at.selectbox(key="teacher_rename_who").set_value(owner)
    at.text_input(key="teacher_rename_to").input("Bob")
    at.button(key="teacher_rename").click().run()
    assert classroom.roster.get(owner).name == "Ada"
    assert messages(at, "error") == [
        "xXx is now called Ada (changed since your page was drawn); nobody was renamed — pick the student "
        "again."]

    stale = open_page(TEACHER, key=KEY)
    at.button(key="teacher_share").click().run()
    stale.button(key="teacher_share").click().run()
    assert len({classroom.shares.latest().share_id}) == 1 and classroom.shares.latest().share_id == 1
    assert messages(stale, "warning")[0].startswith("Not shared: Convnet")

    stale.button(key=f"teacher_hide_{run_id}").click().run()
    at.button(key=f"teacher_hide_{run_id}").click().run()
    assert classroom.hidden.ids() == {run_id}
    assert messages(at, "info") == ["Ada's run was already hidden (from another page)."]


def test_idle_newcomers_leave_the_class_list_but_not_those_who_did_something(lab: Lab) -> None:
    roster = lab.classroom.roster
    idle, named, builder, fresh = (new_owner_token() for _ in range(4))
    for owner in (idle, named, builder, fresh):
        roster.join(owner)
    roster.set_name(named, "Ada")
    lab.drafts.save(builder, conv_stack(4))
    with lab.classroom.db.transaction() as db:  # three of them arrived eleven minutes ago
        db.execute("UPDATE students SET joined_at = joined_at - ? WHERE owner != ?",
                   (NEWCOMER_GRACE_S + 60, fresh))
    at = open_page(TEACHER, key=KEY)
    assert _students(at) == ["Ada", "Student 3", "Student 4"]  # Student 1 did nothing for eleven minutes
    assert ("Not listed: 1 who opened CNN Lab more than 10 min ago and have no name, stack or runs (they "
            "show again when they do something).") in [caption.value for caption in at.caption]
    roster.set_name(idle, "Cy")
    at.run()
    assert _students(at) == ["Ada", "Cy", "Student 3", "Student 4"]  # by name: rows never jump


def test_removing_every_student_without_runs_and_one_with_runs(scripted, lab: Lab) -> None:
    manager, runner = scripted
    roster = lab.classroom.roster
    ada, bob, cy = new_owner_token(), new_owner_token(), new_owner_token()
    roster.set_name(ada, "Ada")
    roster.set_name(bob, "Bob")
    roster.join(cy)
    run_id = finished_run(manager, runner, ada, conv_stack(4), 0.97)
    at = open_page(TEACHER, key=KEY)
    assert at.button(key="teacher_remove_idle").label == "Yes, remove 2 students"
    at.button(key="teacher_remove_idle").click().run()
    assert list(roster.names().values()) == ["Ada"]
    assert messages(at, "success") == [
        "Removed 2 students (Bob, Student 3); their work is kept under Past classes, Removed students."]
    at.selectbox(key="teacher_remove_who").set_value(ada)
    at.button(key="teacher_remove_one").click().run()
    assert roster.students() == [] and lab.store.all_runs() == []
    assert manager.snapshot(run_id, ada) is None  # gone from the class, kept in the archive:
    [removed] = past_classes(lab.settings.runs_dir)
    assert removed.path.name == "removed-students"
    assert (removed.students, removed.runs) == (3, 1)
    assert (removed.path / run_id / "model.h5").is_file()


def test_a_stale_remove_spares_a_student_who_trained_since(scripted, lab: Lab) -> None:
    manager, runner = scripted
    bob = new_owner_token()
    lab.classroom.roster.set_name(bob, "Bob")
    at = open_page(TEACHER, key=KEY)  # drawn: Bob, no runs
    finished_run(manager, runner, bob, conv_stack(4), 0.9)
    at.button(key="teacher_remove_idle").click().run()
    assert lab.classroom.roster.names() == {bob: "Bob"}
    assert messages(at, "warning") == [
        "Not removed: Bob — renamed, removed, trained or has a job waiting or training since your page was "
        "drawn. Look again and retry."]


def test_a_new_class_archives_the_old_one_downloadably_and_starts_empty(scripted, lab: Lab) -> None:
    manager, runner = scripted
    classroom = lab.classroom
    ada = new_owner_token()
    classroom.roster.set_name(ada, "=Chloé")
    classroom.challenges.start(_challenge("Small and sharp"))
    finished_run(manager, runner, ada, conv_stack(4), 0.97)
    lab.drafts.save(ada, conv_stack(4))
    teacher, stale = open_page(TEACHER, key=KEY), open_page(TEACHER, key=KEY)
    teacher.button(key="teacher_new_class").click().run()
    assert messages(teacher, "success") == [
        "New class started. The old one (1 students, 1 runs, 1 challenges) is under Past classes."]
    assert classroom.roster.students() == [] and lab.store.all_runs() == []
    assert classroom.challenges.all() == [] and lab.drafts.load(ada) is None
    stale.button(key="teacher_new_class").click().run()  # a second teacher's stale button archives nothing
    assert messages(stale, "warning") == [
        "A new class was started since your page was drawn (from another page); nothing more was archived. "
        "Here is the class as it is now."]
    [archived] = past_classes(lab.settings.runs_dir)
    download = teacher.get("download_button")
    assert any(element.proto.label == "Download" for element in download)
    with zipfile.ZipFile(io.BytesIO(class_bundle(archived))) as bundle:
        assert sorted(bundle.namelist()) == ["boards.csv", "runs.csv", "students.csv"]
        students = bundle.read("students.csv").decode("utf-8-sig")
        boards = bundle.read("boards.csv").decode("utf-8-sig")
    assert students.splitlines()[1].startswith("'=Chloé,1,")
    assert boards.splitlines()[1] == "Small and sharp,test accuracy,1,'=Chloé,0.97,0.97,6810,1"
    classroom.challenges.start(_challenge("Next"))
    assert classroom.challenges.active().challenge_id == 2  # ids never come back: stale pages stay stale


def test_a_new_class_waits_for_the_jobs_still_queued_or_training(scripted, lab: Lab) -> None:
    manager, _ = scripted
    manager.submit(new_owner_token(), conv_stack(4), CHALLENGE_CONFIG)
    at = open_page(TEACHER, key=KEY)
    at.button(key="teacher_new_class").click().run()
    assert messages(at, "error") == [
        "Not started: 1 job is still waiting or training. Cancel or stop them in the queue (or wait for "
        "them), then start the new class."]
    assert len(lab.store.all_runs()) == 1 and past_classes(lab.settings.runs_dir) == []


def test_an_archive_folder_edited_by_hand_is_left_out(lab: Lab) -> None:
    folder = lab.settings.runs_dir / "classes" / "broken"
    folder.mkdir(parents=True)
    (folder / "class.json").write_text('{"title": "x", "archived_at": "yesterday"}')
    assert past_classes(lab.settings.runs_dir) == []
    at = open_page(TEACHER, key=KEY)
    assert not at.exception and "No past classes yet." in [caption.value for caption in at.caption]
