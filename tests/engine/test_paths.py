"""Where files go: the runs directory, atomic writes, and file names made from user text."""

from __future__ import annotations

from pathlib import Path

from cnnlab.engine.paths import atomic_write_text, file_stem


def test_a_file_stem_from_user_text_is_safe_in_any_folder() -> None:
    assert file_stem("My net #2", "stack") == "My_net_2"
    assert file_stem("../../etc/passwd", "model") == "etc_passwd"
    assert file_stem("..", "model") == "model"
    assert len(file_stem("x" * 500, "model")) == 60


def test_an_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "run" / "config.json"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["config.json"]
