"""`python -m cnnlab train`: trains, saves the model, reports figures; bad input exits 2, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import h5py
import pytest

from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.testing.engine import LINEAR_MLP


def _cnnlab(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnnlab", "train", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT),
                               "TF_CPP_MIN_LOG_LEVEL": "3"})


@pytest.mark.keras
def test_json_output_has_the_figures_and_the_model_is_saved(tmp_path: Path) -> None:
    out = tmp_path / "small.h5"
    done = _cnnlab("--preset", "convnet", "--epochs", "2", "--limit", "1000", "--batch-size", "64",
                   "--validation-split", "0", "--seed", "3", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["epochs"], report["params"], report["out"]) == (2, 60874, str(out))
    assert report["stopped"] is False
    assert 0.1 < report["test_accuracy"] <= 1 and report["test_loss"] > 0
    assert report["seconds_per_epoch"] > 0 and report["samples_per_second"] > 0
    assert report["dataset"] == "mnist"
    assert report["config"] == {"dataset": "mnist", "epochs": 2, "batch_size": 64, "optimizer": "rmsprop",
                                "learning_rate": 0.001, "train_size": 1000, "validation_split": 0.0,
                                "seed": 3, "schedule": "constant"}
    assert [epoch["epoch"] for epoch in report["history"]] == [1, 2]
    assert "epoch 1/2" not in done.stderr  # no progress bar with --json
    with h5py.File(out, "r") as model_file:
        assert json.loads(model_file.attrs["model_config"])["config"]["name"] == "convnet"


@pytest.mark.keras
def test_the_fast_preset_trains_with_its_recipe_unless_a_flag_overrides(tmp_path: Path) -> None:
    done = _cnnlab("--preset", "fast", "--limit", "512", "--beta-2", "0.95", "--out", str(tmp_path / "f.h5"),
                   "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["config"] == {
        "dataset": "mnist", "epochs": 1, "batch_size": 128, "optimizer": "adam", "learning_rate": 0.01,
        "train_size": 512, "validation_split": 0.0, "seed": 0, "schedule": "one-cycle",
        "warmup_fraction": 0.15, "final_fraction": 0.0, "beta_1": 0.7, "beta_2": 0.95}
    done = _cnnlab("--preset", "fast", "--limit", "512", "--optimizer", "sgd", "--schedule", "constant",
                   "--momentum", "0.9", "--out", str(tmp_path / "g.h5"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["config"] == {
        "dataset": "mnist", "epochs": 1, "batch_size": 128, "optimizer": "sgd", "learning_rate": 0.01,
        "train_size": 512, "validation_split": 0.0, "seed": 0, "schedule": "constant", "momentum": 0.9}


@pytest.mark.keras
def test_text_output_and_a_default_file_name_for_a_spec_file(tmp_path: Path) -> None:
    spec = tmp_path / "my net.json"
    spec.write_text(json.dumps({"input_shape": [28, 28, 1], "layers": [
        {"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}))
    done = _cnnlab(str(spec), "--epochs", "1", "--limit", "600", "--optimizer", "adam", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "epoch 1/1: loss" in done.stderr and "val_accuracy" in done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("MNIST test accuracy ") and " s per epoch · " in last
    assert " samples/s · 7,850 parameters · " in last
    assert last.endswith("saved my_net.h5") and (tmp_path / "my_net.h5").stat().st_size > 0  # a safe stem


@pytest.mark.keras
def test_a_nan_loss_exits_1_with_advice(tmp_path: Path) -> None:
    spec = tmp_path / "linear.json"
    spec.write_text(json.dumps(LINEAR_MLP))
    done = _cnnlab(str(spec), "--epochs", "2", "--limit", "1000", "--batch-size", "64", "--optimizer", "sgd",
                   "--learning-rate", "1", "--json", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().splitlines()[-1] == (
        "cnnlab train: loss became NaN in epoch 1 — lower the learning rate (it is 1; try 0.1)")
    assert "Traceback" not in done.stderr and not (tmp_path / "linear.h5").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--preset", "convnet", "--epochs", "x"), "epochs must be a whole number from 1 to 50"),
        (("--preset", "convnet", "--learning-rate", "nan"), "learning_rate must be a number above 0"),
        (("--preset", "convnet", "--limit", "70000"), "train_size must be a whole number from 100 to 60,000"),
        (("--preset", "convnet", "--optimizer", "magic"), "optimizer must be one of sgd, rmsprop"),
        (("--preset", "convnet", "--momentum", "0.9"), "momentum is a setting of sgd only"),
        (("--preset", "fast", "--schedule", "linear"), "schedule must be one of constant, one-cycle, cosine"),
        (("--preset", "nope"), "unknown preset 'nope'; one of convnet, lenot"),
        (("--preset", "convnet", "--out", "model.txt"), "the model file name must end in .h5 or .keras"),
        (("--preset", "convnet", "--out", "/no/such/m.h5"), "the folder /no/such does not exist"),
        (("--preset", "convnet", "--out", "/proc/m.h5"), "--out /proc/m.h5: cannot write in /proc ("),
        (("missing.json",), "missing.json: no such file"),
        (("--epochs", "2"), "one of the arguments SPEC.json --preset is required"),
    ],
)
def test_bad_arguments_exit_2_with_a_message_and_no_traceback(args: tuple[str, ...], message: str) -> None:
    done = _cnnlab(*args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr and done.stdout == ""


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"layers": [{"type": "Flatten"}, {"type": "Dense", "units": 5,
                                                       "activation": "softmax"}]}),
         "this stack cannot be trained:\n  layer 2 (Dense): the last Dense has 5 units"),
    ],
)
def test_bad_spec_files_exit_2(tmp_path: Path, document: str, message: str) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(document)
    done = _cnnlab(str(spec))
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.keras
def test_dataset_fashion_trains_on_clothes_and_says_so(tmp_path: Path) -> None:
    done = _cnnlab("--preset", "tiny", "--dataset", "fashion", "--epochs", "1", "--limit", "600",
                   "--out", str(tmp_path / "clothes.h5"), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["dataset"] == "fashion" and report["config"]["dataset"] == "fashion"
    assert report["test_images"] == 10_000 and 0 < report["test_accuracy"] <= 1
    done = _cnnlab("--preset", "tiny", "--dataset", "fashion", "--epochs", "1", "--limit", "600",
                   "--out", str(tmp_path / "again.h5"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Fashion-MNIST test accuracy ")


@pytest.mark.parametrize("name", ["cifar10", "MNIST-fashion", ""])
def test_a_dataset_that_is_not_ours_exits_2_naming_the_choices(tmp_path: Path, name: str) -> None:
    done = _cnnlab("--preset", "tiny", "--dataset", name, "--out", str(tmp_path / "x.h5"))
    assert done.returncode == 2 and done.stdout == ""
    assert f"dataset must be one of mnist, fashion (got {name!r})" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "x.h5").exists()
