"""`python -m cnnlab challenge set|show|end` and `teacher-link`: the same runs directory as the server,
exit 2 with a clear message for bad values, which then change nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cnnlab.classroom.classroom import Classroom
from cnnlab.cli.main import main
from cnnlab.lab import TEACHER_KEY_ENV

SET = [
    "challenge",
    "set",
    "--title",
    "Small and sharp",
    "--text",
    "≥ 98 % with at most 10,000 parameters",
    "--max-params",
    "10000",
    "--epochs",
    "1",
    "--train-images",
    "2000",
    "--layers",
    "Conv2D,MaxPooling2D,Flatten,Dense",
    "--lock",
    "optimizer=adam,batch_size=128",
]


def test_set_show_and_end(classroom: Classroom, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(SET) == 0
    assert capsys.readouterr().out == (
        "Challenge set: Small and sharp (active)\n≥ 98 % with at most 10,000 parameters\n"
        "limits: at most 10,000 parameters; layers: Conv2D, MaxPooling2D, Flatten, Dense; at most 1 epoch; "
        "at most 2,000 training images; optimizer = adam; batch size = 128\n"
    )
    assert classroom.challenges.active().challenge.locked == {"optimizer": "adam", "batch_size": 128}
    assert main(["challenge", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["active"] is True and shown["ended_at"] is None
    assert shown["challenge"] == {
        "title": "Small and sharp",
        "text": "≥ 98 % with at most 10,000 parameters",
        "max_params": 10000,
        "max_macs": None,
        "epochs": 1,
        "train_images": 2000,
        "layers": ["Conv2D", "MaxPooling2D", "Flatten", "Dense"],
        "locks": {"optimizer": "adam", "batch_size": 128},
        "dataset": "mnist",
        "score": "test",
    }
    assert main(["challenge", "end"]) == 0
    assert capsys.readouterr().out == "Ended: Small and sharp\n"
    assert main(["challenge", "end"]) == 0
    assert capsys.readouterr().out == "No challenge is active; nothing to end.\n"
    assert main(["challenge", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["active"] is False


def test_show_without_any_challenge(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["challenge", "show"]) == 0
    assert capsys.readouterr().out == "No challenge has been set.\n"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--max-params", "-5"],
            'max_params (parameters) must be a whole number from 1 to 10,000,000 (got "-5")',
        ),
        (
            ["--max-params", "9" * 5000],
            "max_params (parameters) must be a whole number from 1 to 10,000,000 (got ",
        ),
        (["--epochs", "1e9"], 'epochs (epochs) must be a whole number from 1 to 50 (got "1e9")'),
        (["--layers", "Conv2D,Transformer"], 'unknown layer type "Transformer"; the types are Conv2D,'),
        (["--lock", "colour=red"], 'unknown locked setting "colour"; one can lock optimizer, learning_rate,'),
        (["--lock", "optimizer"], "--lock takes FIELD=VALUE items separated by commas (got 'optimizer')"),
        (["--lock", "optimizer=adamw2"], "optimizer must be one of sgd, rmsprop, adam"),
    ],
)
def test_bad_values_exit_2_with_a_message_and_change_nothing(
    classroom: Classroom, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["challenge", "set", "--title", "Before"]) == 0
    capsys.readouterr()
    assert main(["challenge", "set", "--title", "T", *extra]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("cnnlab challenge: ") and message in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert classroom.challenges.active().challenge.title == "Before"  # the server's view of the class


def test_a_missing_title_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["challenge", "set", "--max-params", "10"])
    assert exit_.value.code == 2 and "--title" in capsys.readouterr().err


def test_teacher_link_prints_the_dashboard_address(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(TEACHER_KEY_ENV, "k3y")
    assert main(["teacher-link"]) == 0
    assert capsys.readouterr().out == "Teacher: http://localhost:8501/Teacher?key=k3y\n"
    assert main(["teacher-link", "--host", "192.168.1.20", "--port", "9000"]) == 0
    assert capsys.readouterr().out == "Teacher: http://192.168.1.20:9000/Teacher?key=k3y\n"
    assert main(["teacher-link", "--port", "99999"]) == 2
    assert "--port must be a whole number from 1 to 65,535" in capsys.readouterr().err


def test_the_command_line_runs_as_a_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEACHER_KEY_ENV, "k3y")
    done = subprocess.run(
        [sys.executable, "-m", "cnnlab", "teacher-link"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "Teacher: http://localhost:8501/Teacher?key=k3y\n")


def test_a_challenge_names_its_dataset(classroom: Classroom, capsys: pytest.CaptureFixture) -> None:
    assert main(["challenge", "set", "--title", "Clothes", "--dataset", "fashion"]) == 0
    assert capsys.readouterr().out == "Challenge set: Clothes (active)\nlimits: on Fashion-MNIST clothes\n"
    assert classroom.challenges.active_challenge().dataset.value == "fashion"
    assert main(["challenge", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["challenge"]["dataset"] == "fashion"
    assert main(["challenge", "set", "--title", "Digits"]) == 0  # the default: MNIST
    assert classroom.challenges.active_challenge().dataset.value == "mnist"


def test_a_wrong_dataset_exits_2_naming_the_choices_and_changes_nothing(
        classroom: Classroom, capsys: pytest.CaptureFixture) -> None:
    assert main(["challenge", "set", "--title", "X", "--dataset", "cifar10"]) == 2
    assert 'dataset must be one of mnist, fashion (got "cifar10")' in capsys.readouterr().err
    assert classroom.challenges.latest() is None


@pytest.mark.parametrize("locks", [
    ["--lock", "optimizer=adam", "--lock", "batch_size=64"],  # issue 21, case 9: only the last one was kept
    ["--lock", "optimizer=adam,batch_size=64"],
    ["--lock", "optimizer=adam", "--lock", "batch_size=64,optimizer=adam"],
])
def test_repeated_locks_add_up(classroom: Classroom, locks: list[str]) -> None:
    assert main(["challenge", "set", "--title", "Locked", *locks]) == 0
    assert classroom.challenges.active().challenge.locked == {"optimizer": "adam", "batch_size": 64}


def test_a_setting_locked_to_two_values_is_refused(classroom: Classroom,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["challenge", "set", "--title", "Locked", "--lock", "batch_size=64",
                 "--lock", "batch_size=128"]) == 2
    error = capsys.readouterr().err
    assert "--lock gives batch_size two values (64 and 128); lock each setting once" in error
    assert classroom.challenges.active() is None


def test_the_help_says_how_to_lock_several_settings(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["challenge", "set", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--lock optimizer=adam --lock batch_size=64" in help_text
    assert "--lock optimizer=adam,batch_size=64" in help_text
