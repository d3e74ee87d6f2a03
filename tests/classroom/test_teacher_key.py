"""The teacher key: from the environment, else made once and kept with mode 0600; exact matches only."""

from __future__ import annotations

import stat

import pytest

from cnnlab.classroom.teacher_key import KEY_FILE, TEACHER_KEY_ENV, is_teacher_key, teacher_key, teacher_link
from cnnlab.engine.paths import runs_root


def test_a_made_key_is_kept_private_and_survives_a_restart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TEACHER_KEY_ENV, raising=False)
    key = teacher_key()
    path = runs_root() / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 24 and teacher_key() == key == path.read_text()
    assert teacher_link() == f"http://localhost:8501/Teacher?key={key}"
    assert teacher_link("192.168.1.20", 9000) == f"http://192.168.1.20:9000/Teacher?key={key}"


def test_the_environment_key_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEACHER_KEY_ENV, "  class-7b-secret ")
    assert teacher_key() == "class-7b-secret"
    assert is_teacher_key("class-7b-secret")
    assert not (runs_root() / KEY_FILE).exists()


def test_an_empty_key_file_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TEACHER_KEY_ENV, raising=False)
    (runs_root() / KEY_FILE).write_text("")
    assert len(teacher_key()) == 24


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
def test_anything_but_the_exact_key_is_refused(monkeypatch: pytest.MonkeyPatch, candidate: object) -> None:
    monkeypatch.setenv(TEACHER_KEY_ENV, "class-7b-secret")
    assert not is_teacher_key(candidate)
