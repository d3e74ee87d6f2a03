"""Issue 22's page behaviour in AppTest: the join address and its QR code on the dashboard and the projector,
the projector view without the sidebar, the dashboard's sections that redraw themselves, rows by name,
Results' replay at the recorded pace and the note under the curves, Add a layer's relu start, and the
replay's clock; a browser checks the same pages' layouts (tests/browser/test_screens.py)."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.dashboard import name_order
from cnnlab.classroom.export import model_file_name
from cnnlab.core.challenge import parse_challenge
from cnnlab.engine.owners import new_owner_token
from cnnlab.insight import replay
from cnnlab.lab import Lab, Settings
from cnnlab.testing.apptest import BUILD, RESULTS, open_page, shown
from cnnlab.testing.classroom import conv_stack, finished_run
from cnnlab.testing.models import register_run, trained_runs
from cnnlab.ui import join
from cnnlab.ui.job_view import EPOCH_NOTE

TEACHER = "pages/6_Teacher.py"
LEADERBOARD = "pages/7_Leaderboard.py"
KEY = "screens-key-for-tests"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server was started with the teacher key `KEY`."""
    return dataclasses.replace(settings, teacher_key=KEY)


def _join_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Students open**"))


def test_the_dashboard_shows_the_join_address_with_its_qr_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(join, "network_address", lambda: "192.168.1.20")
    at = open_page(TEACHER, key=KEY)
    port = at.get("image")  # the QR code, drawn on the server
    assert len(port) == 1
    assert re.fullmatch(r"\*\*Students open\*\* `http://192\.168\.1\.20:\d+/`", _join_line(at))


def test_the_join_address_is_never_localhost() -> None:
    assert join.join_url("0.0.0.0", 8501) == f"http://{join.network_address()}:8501/"
    assert join.join_url("", 8501).startswith("http://") and "localhost" not in join.join_url("", 8501)
    assert join.join_url("localhost", 8502) == "http://127.0.0.1:8502/"
    assert join.join_url("10.0.0.5", 80) == "http://10.0.0.5:80/"
    assert join.join_url("fe80::1", 8501) == "http://[fe80::1]:8501/"
    assert join.is_loopback("http://127.0.0.1:8501/") and not join.is_loopback("http://10.0.0.5:80/")


def test_the_qr_code_is_a_png_of_the_address() -> None:
    png = join.qr_png("http://192.168.1.20:8501/", 4)
    assert png.startswith(b"\x89PNG") and png != join.qr_png("http://192.168.1.21:8501/", 4)


def _challenge_with_runs(classroom: Classroom, scripted, names: list[str]) -> None:
    manager, runner = scripted
    challenge, _ = parse_challenge({"title": "Small and sharp", "max_params": 10_000})
    classroom.challenges.start(challenge)
    for rank, name in enumerate(names):
        owner = new_owner_token()
        assert classroom.roster.set_name(owner, name).ok
        finished_run(manager, runner, owner, conv_stack(4), 0.97 - rank / 1000)


def test_the_projector_view_has_no_sidebar_and_two_columns(scripted, classroom: Classroom) -> None:
    names = [f"Pupil {letter}" for letter in "ABCDEFGHIJKLMNOPQRST"]  # 20: two columns of 15 and 5
    _challenge_with_runs(classroom, scripted, names)
    at = open_page(LEADERBOARD, view="projector")
    assert not at.exception
    assert len(at.sidebar.children) == 0  # no navigation, privacy note or "I'm someone else"
    tables = [m.value for m in at.markdown if m.value.startswith("| # |")]
    assert [len(table.splitlines()) - 2 for table in tables] == [15, 5]
    assert "Pupil A" in shown(tables[0]) and "Pupil T" in shown(tables[1])
    assert _join_line(at).startswith("**Students open**")
    assert not [e for e in at.get("selectbox") if e.label == "Board"]  # the projector follows the teacher
    at = open_page(LEADERBOARD)  # the student view keeps its sidebar and one table
    assert len(at.sidebar.children) > 0
    assert len([m for m in at.markdown if m.value.startswith("| # |")]) == 1


def test_the_projector_pages_itself_past_thirty() -> None:
    rows = list(range(65))
    assert replay_pages(rows) == [list(range(0, 30)), list(range(30, 60)), list(range(60, 65))]


def replay_pages(rows: list[int]) -> list[list[int]]:
    """Every page the projector shows in turn, one per 10 s."""
    from cnnlab.ui.projector import page_of

    return [page_of(rows, seconds, 10)[0] for seconds in (0, 10, 20)]


def test_the_dashboard_lists_students_by_name_and_redraws_its_lists(scripted, classroom: Classroom) -> None:
    for name in ("Zoë", "ada", "Eve 10", "Bob", "Eve 2"):
        assert classroom.roster.set_name(new_owner_token(), name).ok
    at = open_page(TEACHER, key=KEY)
    table = at.dataframe[0].value
    assert table["Student"].tolist() == ["ada", "Bob", "Eve 2", "Eve 10", "Zoë"]
    assert sorted(["Student 10", "Student 2", "student 3"], key=name_order) == [
        "Student 2", "student 3", "Student 10"]
    who = at.selectbox(key="teacher_rename_who")
    assert len(who.options) == 5
    classroom.roster.set_name(new_owner_token(), "Chloé")
    at.run()  # as the section's own timer does: the newcomer can be picked without a reload
    assert len(at.selectbox(key="teacher_rename_who").options) == 6


def test_zip_names_keep_the_students_accents(scripted) -> None:
    manager, runner = scripted
    owner = new_owner_token()
    run_id = finished_run(manager, runner, owner, conv_stack(4), 0.9677)
    record = manager.store.get(run_id, owner)
    assert model_file_name("Chloé", record).startswith("Chloé-96.77-")
    assert model_file_name("Łukasz Żółć", record).startswith("Łukasz_Żółć-96.77-")
    assert model_file_name("../..", record).startswith("student-96.77-")


def test_add_a_layer_starts_conv2d_and_dense_at_relu(lab: Lab) -> None:
    at = open_page(BUILD, preset="convnet")
    at.selectbox(key="build_add_type").set_value("Dense").run()
    assert at.selectbox(key="build_add_Dense_activation_0").value == "relu"
    at.selectbox(key="build_add_type").set_value("Conv2D").run()
    assert at.selectbox(key="build_add_Conv2D_activation_0").value == "relu"
    at.selectbox(key="build_add_pos").set_value(1).run()
    at.button(key="build_add_button").click().run()
    added = lab.drafts.current(at.query_params["u"])["layers"][0]
    assert (added["type"], added["activation"]) == ("Conv2D", "relu")  # written out: the files stay exact


@pytest.mark.keras
def test_results_replays_a_finished_run_at_its_recorded_pace(lab: Lab) -> None:
    trained = trained_runs()["convnet"]
    owner = new_owner_token()
    register_run(lab.store, owner, trained)
    at = open_page(RESULTS, u=owner)
    assert EPOCH_NOTE in [caption.value for caption in at.caption]
    replay_button = next(b for b in at.button if b.label == "Replay the curves")
    replay_button.click().run()
    frames = [e for e in at.get("plotly_chart") if e.proto.id and "replaying" in e.proto.id]
    assert frames, "the replay draws its own chart"
    progress = [bar.proto.text for bar in at.get("progress")]
    assert any(text.startswith("Replaying at the recorded pace: epoch ") for text in progress)
    [snapshot] = lab.jobs.jobs(owner)
    recorded = sum(epoch.seconds for epoch in snapshot.epochs_history)
    time.sleep(max(replay.MIN_SECONDS, recorded, snapshot.elapsed_s) + 0.5)
    at.run()
    assert any(b.label == "Replay the curves" for b in at.button)  # over: the still curves again


def test_the_replay_follows_each_epochs_recorded_time() -> None:
    assert replay.position([10.0, 30.0], 2.0, 40.0, 10.0) == pytest.approx(1.0)
    assert replay.position([10.0, 30.0], 2.0, 40.0, 25.0) == pytest.approx(1.5)  # the slow second epoch
    assert replay.position([1.0], 1.0, 1.0, 1.0) == pytest.approx(0.5)  # stretched to 2 s
    assert not replay.finished([1.0], 1.0, 1.9) and replay.finished([1.0], 1.0, 2.0)
