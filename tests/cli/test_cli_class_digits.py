"""`python -m cnnlab class-digits show [--json]` and `class-digits export --out FILE.npz` over the server's
runs directory, and `challenge set --score class-digits`: exact keys, the Keras layout, exit 2 with one line
(never a traceback) for an empty set, a bad --out or a bad score."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnnlab.classroom.classroom import Classroom
from cnnlab.cli.main import main
from cnnlab.core.challenge import ChallengeScore
from cnnlab.engine.owners import new_owner_token
from cnnlab.lab import Lab


def _drawing(seed: int) -> np.ndarray:
    pixels = np.zeros((28, 28), dtype=np.float32)
    pixels[6:22, 8 + seed] = 1.0
    return pixels


def _add(lab: Lab, labels: list[int]) -> None:
    owner = new_owner_token()
    for seed, label in enumerate(labels):
        assert lab.class_digits.add(owner, "Ada", _drawing(seed), label).ok


def test_show_counts_the_drawings_in_all_and_per_digit(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["class-digits", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"total": 0, "per_digit": {str(d): 0 for d in range(10)}}
    _add(lab, [3, 3, 7])
    assert main(["class-digits", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert list(shown) == ["total", "per_digit"]
    assert shown == {"total": 3, "per_digit": {**{str(d): 0 for d in range(10)}, "3": 2, "7": 1}}
    assert main(["class-digits", "show"]) == 0
    assert capsys.readouterr().out == (
        "Our class's digits: 3 drawings\n0: 0  1: 0  2: 0  3: 2  4: 0  5: 0  6: 0  7: 1  8: 0  9: 0\n")


def test_export_writes_the_keras_layout(lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _add(lab, [3, 0, 9])
    out = tmp_path / "ours.npz"
    assert main(["class-digits", "export", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}: 3 drawings (x uint8 (3, 28, 28), y uint8 (3,))\n"
    with np.load(out) as data:
        assert sorted(data.files) == ["x", "y"]
        x, y = data["x"], data["y"]
    assert x.dtype == np.uint8 and x.shape == (3, 28, 28)
    assert y.dtype == np.uint8 and y.tolist() == [3, 0, 9]
    np.testing.assert_array_equal(x, lab.class_digits.class_set().images)
    assert x[1, 6:22, 9].tolist() == [255] * 16


def test_export_of_an_empty_set_says_so(tmp_path: Path) -> None:
    out = tmp_path / "ours.npz"
    done = subprocess.run([sys.executable, "-m", "cnnlab", "class-digits", "export", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, check=False, env=os.environ)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "cnnlab class-digits: our class's digits are empty, so there is nothing to export: students add "
        "drawings on Predict (draw a digit, choose \"This is a\", press \"Add to our class's digits\")\n")
    assert not out.exists()


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("ours.npy", "the exported file's name must end in .npz"),
        ("no/such/folder/ours.npz", "not a file in an existing folder"),
        (".", "the exported file's name must end in .npz"),
    ],
)
def test_a_bad_out_changes_nothing_and_says_why(lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch, out: str,
                                                message: str) -> None:
    _add(lab, [1])
    monkeypatch.chdir(tmp_path)
    assert main(["class-digits", "export", "--out", out]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"cnnlab class-digits: --out {out}: {message}\n" and captured.out == ""
    assert list(tmp_path.iterdir()) == []


def test_a_challenge_can_rank_by_the_class_handwriting(classroom: Classroom,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["challenge", "set", "--title", "Our digits", "--score", "class-digits"]) == 0
    assert capsys.readouterr().out == (
        "Challenge set: Our digits (active)\nlimits: ranked by accuracy on our class's handwriting\n")
    assert classroom.challenges.active().challenge.score == ChallengeScore.CLASS_DIGITS
    assert main(["challenge", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["challenge"]["score"] == "class-digits"
    assert main(["challenge", "set", "--title", "Other", "--score", "fastest"]) == 2
    assert capsys.readouterr().err == (
        'cnnlab challenge: score must be one of test, class-digits (got "fastest")\n')
    assert classroom.challenges.active().challenge.title == "Our digits"
