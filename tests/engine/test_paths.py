"""Where files go: the runs directory, atomic writes, and file names made from user text."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnlab.engine.paths import RUNS_DIR_ENV, atomic_write_text, file_stem, runs_root


def test_a_file_stem_from_user_text_is_safe_in_any_folder() -> None:
    assert file_stem("My net #2", "stack") == "My_net_2"
    assert file_stem("../../etc/passwd", "model") == "etc_passwd"
    assert file_stem("..", "model") == "model"
    assert len(file_stem("x" * 500, "model")) == 60


def test_runs_root_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RUNS_DIR_ENV, str(tmp_path / "class-runs"))
    assert runs_root() == (tmp_path / "class-runs").resolve()
    assert runs_root().is_dir()


def test_an_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "run" / "config.json"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["config.json"]
