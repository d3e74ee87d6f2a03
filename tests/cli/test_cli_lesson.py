"""`python -m cnnlab lesson list|check|start|show|end`: on the same runs directory as the server; `check`
exits 2 with every problem as "line N: …", and a lesson started here is what the students follow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cnnlab.classroom.lesson_library import SHIPPED_LESSONS
from cnnlab.cli.main import main
from cnnlab.core.arithmetic import analyze
from cnnlab.core.presets import preset_spec
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.lab import Lab

BROKEN = """title = "Broken"
start = "convnet"
[[steps]]
kind = "guess"
text = "How many?"
quantity = "params"
layer = 0
[[steps]]
kind = "stak"
text = "Change it."
[[steps]]
kind = "stack"
expect = { layer = 1, type = "Conv2D", units = 5 }
"""


def test_list_names_every_shipped_lesson_with_its_steps(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lesson", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {entry["name"] for entry in listed} == {path.stem for path in SHIPPED_LESSONS.glob("*.toml")}
    counting = next(entry for entry in listed if entry["name"] == "convnet-parameters")
    summary = "Count the weights of the Keras intro post's convnet, layer by layer, up to 60,874."
    assert counting == {"name": "convnet-parameters", "title": "Counting a convolution's parameters",
                        "summary": summary, "steps": 10, "start": "convnet", "origin": "shipped"}
    assert main(["lesson", "list"]) == 0
    assert "convnet-parameters — Counting a convolution's parameters (10 steps)\n" in capsys.readouterr().out


def test_list_says_which_teacher_files_are_left_out(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    (lab.settings.runs_dir / "lessons").mkdir()
    (lab.settings.runs_dir / "lessons" / "broken.toml").write_text(BROKEN, encoding="utf-8")
    assert main(["lesson", "list"]) == 0
    assert capsys.readouterr().out.endswith(
        "(not listed: broken.toml has 4 problems; `lesson check` lists them)\n")


@pytest.mark.parametrize("path", sorted(SHIPPED_LESSONS.glob("*.toml")), ids=lambda path: path.stem)
def test_check_accepts_every_shipped_lesson(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lesson", "check", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: ok — ")


def test_check_refuses_a_broken_file_with_every_problem_at_its_line(tmp_path: Path) -> None:
    lesson = tmp_path / "broken.toml"
    lesson.write_text(BROKEN, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "cnnlab", "lesson", "check", str(lesson)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "line 7: step 1: layer must be a whole number from 1 to 40, got 0",
        'line 9: step 2: unknown kind "stak"; did you mean "stack"?',
        "line 11: step 3: missing text: what the student reads at this step",
        'line 13: step 3: expect: Conv2D has no field "units" (Conv2D takes filters, kernel_size, strides, '
        "padding, activation, use_bias; expect also takes layer, type, max_params)",
    ]


@pytest.mark.parametrize(("make", "message"), [
    (lambda folder: folder / "missing.toml", "missing.toml: no such file"),
    (lambda folder: folder, "is a directory, not a lesson file"),
])
def test_check_of_a_file_that_is_not_there_exits_2_with_one_line(
        tmp_path: Path, make, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lesson", "check", str(make(tmp_path))]) == 2
    error = capsys.readouterr().err
    assert error.startswith("cnnlab lesson: ") and message in error and "Traceback" not in error


def test_start_show_and_end_a_class_lesson_the_students_follow(lab: Lab, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    ada, bob = new_owner_token(), new_owner_token()
    for owner, name in ((ada, "Ada"), (bob, "Bob")):
        lab.classroom.roster.set_name(owner, name)
    assert main(["lesson", "show", "--json"]) == 0
    nothing = {"title": None, "name": None, "steps": 0, "started_at": None, "students": {}}
    assert json.loads(capsys.readouterr().out) == nothing
    assert main(["lesson", "start", "convnet-parameters"]) == 0
    started = "Lesson started for the class: Counting a convolution's parameters (10 steps)\n"
    assert capsys.readouterr().out == started
    assert lab.lessons.guess(ada, "160", analyze(preset_spec("convnet"))).verdict == "right"
    assert main(["lesson", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["title"], shown["name"], shown["steps"]) == (
        "Counting a convolution's parameters", "convnet-parameters", 10)
    assert shown["students"] == {"Ada": 2, "Bob": 1}
    assert main(["lesson", "show"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Counting a convolution's parameters (10 steps), started ")
    assert "  Bob: step 1 of 10 (guess), " in text and "  Ada: step 2 of 10 (guess), " in text
    assert main(["lesson", "end"]) == 0
    assert capsys.readouterr().out == "Ended: Counting a convolution's parameters\n"
    assert main(["lesson", "end"]) == 0
    assert capsys.readouterr().out == "No lesson is running; nothing to end.\n"


def test_start_a_lesson_file_or_refuse_it(lab: Lab, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "My Lesson.toml"
    good.write_bytes((SHIPPED_LESSONS / "shapes.toml").read_bytes())
    assert main(["lesson", "start", str(good)]) == 0
    started = "Lesson started for the class: Shapes: padding, stride and pooling (10 steps)\n"
    assert capsys.readouterr().out == started
    assert lab.lessons.progress.class_lesson().name == "my-lesson"
    bad = tmp_path / "bad.toml"
    bad.write_text(BROKEN, encoding="utf-8")
    assert main(["lesson", "start", str(bad)]) == 2
    first = capsys.readouterr().err.splitlines()[0]
    assert first == "line 7: step 1: layer must be a whole number from 1 to 40, got 0"
    assert lab.lessons.progress.class_lesson().name == "my-lesson"  # nothing changed
    assert main(["lesson", "start", "no-such-lesson"]) == 2
    assert capsys.readouterr().err.startswith("cnnlab lesson: unknown lesson 'no-such-lesson'; one of ")
