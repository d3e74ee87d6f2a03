"""The teacher key: the configured one (CNNLAB_TEACHER_KEY), else made once and kept with mode 0600; exact
matches only."""

from __future__ import annotations

import stat

import pytest

from cnnlab.classroom.teacher_key import KEY_FILE, TeacherKey
from cnnlab.lab import TEACHER_KEY_ENV, Lab, Settings


def test_a_made_key_is_kept_private_and_survives_a_restart(lab: Lab, settings: Settings) -> None:
    key = lab.teacher_key.value()
    path = settings.runs_dir / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 24 and lab.teacher_key.value() == key == path.read_text()
    assert TeacherKey(settings.runs_dir).value() == key  # the server restarted
    assert lab.teacher_key.link() == f"http://localhost:8501/Teacher?key={key}"
    assert lab.teacher_key.link("192.168.1.20", 9000) == f"http://192.168.1.20:9000/Teacher?key={key}"


def test_the_configured_key_wins(settings: Settings) -> None:
    configured = Settings.from_environment({TEACHER_KEY_ENV: "  class-7b-secret ",
                                            "CNNLAB_RUNS_DIR": str(settings.runs_dir)})
    key = Lab(configured).teacher_key
    assert key.value() == "class-7b-secret"
    assert key.matches("class-7b-secret")
    assert not (settings.runs_dir / KEY_FILE).exists()


def test_an_empty_key_file_is_replaced(lab: Lab, settings: Settings) -> None:
    (settings.runs_dir / KEY_FILE).write_text("")
    assert len(lab.teacher_key.value()) == 24


@pytest.mark.parametrize(
    "candidate",
    [
        "",
        "class-7b-secre",
        "class-7b-secret ",
        "CLASS-7B-SECRET",
        "class-7b-secret" * 100,
        None,
        12345,
        ["class-7b-secret"],
    ],
)
def test_anything_but_the_exact_key_is_refused(tmp_path, candidate: object) -> None:
    assert not TeacherKey(tmp_path, "class-7b-secret").matches(candidate)


def test_the_teacher_cookie_is_derived_from_the_key_and_never_is_the_key(tmp_path) -> None:
    key = TeacherKey(tmp_path, "the-key")
    value = key.cookie_value()
    assert len(value) == 64 and "the-key" not in value
    assert key.matches_cookie(value)
    assert not key.matches_cookie("the-key") and not key.matches_cookie(None)
    assert not key.matches_cookie("0" * 64)
    assert not TeacherKey(tmp_path, "another-key").matches_cookie(value)  # a new key ends every old cookie
