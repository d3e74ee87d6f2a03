"""`python -m cnnlab summary`: table, JSON, exit codes, clear one-line errors, and no heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cnnlab.cli.main import main
from cnnlab.core.layers import MAX_SPEC_BYTES
from cnnlab.engine.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT


def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnnlab", *args], capture_output=True, input=stdin, cwd=ROOT,
                          timeout=60)


def test_text_table_for_convnet(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--preset", "convnet"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == 'Model: "convnet"   input 28×28×1'
    row = next(line for line in lines if line.startswith("conv2d_2 (Conv2D)"))
    assert [cell.strip() for cell in row.split("│")] == [
        "conv2d_2 (Conv2D)", "(None, 11, 11, 32)", "4,640", "32 × (3×3×16) + 32 = 4,640",
        "⌊(13 − 3) / 1⌋ + 1 = 11", "8×8 px"]
    assert " Total params: 60,874 (237.79 KB)" in lines
    assert " Non-trainable params: 0" in lines


def test_json_matches_the_issue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--preset", "convnet", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"input_shape", "layers", "total_params", "trainable_params", "non_trainable_params", "macs",
            "weight_bytes"} <= set(data)
    assert data["input_shape"] == [28, 28, 1]
    assert (data["total_params"], data["trainable_params"], data["non_trainable_params"]) == (60874, 60874, 0)
    assert data["layers"][0]["formula"] == "16 × (3×3×1) + 16 = 160"
    assert data["layers"][0]["macs"] == 97344
    for layer in data["layers"]:
        assert {"type", "output_shape", "params", "trainable_params", "formula", "shape_formula",
                "macs"} <= set(layer)
    assert [layer["params"] for layer in data["layers"]] == [160, 0, 4640, 0, 18496, 0, 36928, 650]
    assert data["layers"][4]["receptive_field"] == {"rows": 18, "cols": 18, "whole_image": False}
    assert data["layers"][6]["receptive_field"] == {"rows": 28, "cols": 28, "whole_image": True}


def test_spec_file_and_stdin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "net.json"
    spec.write_text(json.dumps({"name": "mine", "layers": [{"type": "Flatten"},
                                                           {"type": "Dense", "units": 10}]}))
    assert main(["summary", str(spec), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_params"] == 7850
    result = _run("summary", "-", stdin=spec.read_bytes())
    assert result.returncode == 0 and "Total params: 7,850" in result.stdout.decode()


def test_bad_layer_exits_2_naming_the_layer(tmp_path: Path) -> None:
    spec = tmp_path / "bad.json"
    spec.write_text(json.dumps({"input_shape": [28, 28, 1], "layers": [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3}, {"type": "MaxPooling2D"},
        {"type": "Conv2D", "filters": 4, "kernel_size": 15}, {"type": "Dropout", "rate": 2}]}))
    result = _run("summary", str(spec))
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        "layer 3 (Conv2D): kernel 15×15 is larger than its 13×13×8 input; "
        'use kernel_size ≤ 13 or padding="same"',
        "layer 4 (Dropout): rate must be a fraction from 0 up to (not including) 1, got 2; "
        "for example 0.25 drops a quarter of the values while training"]


def test_bad_spec_with_json_still_prints_the_document(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.json"
    spec.write_text('{"layers": [{"type": "Conv3D"}]}')
    assert main(["summary", str(spec), "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["ok"] is False
    assert captured.err == 'layer 1 (Conv3D): unknown layer type "Conv3D"; did you mean "Conv2D"?\n'


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "missing.json", "missing.json: no such file"),
    (lambda d: d, "is a directory, not a spec file"),
    (lambda d: _write(d / "bin.json", bytes(range(256)) * 4), "not UTF-8 text (is it a binary file?)"),
    (lambda d: _write(d / "huge.json", b" " * (MAX_SPEC_BYTES + 1)),
     f"{MAX_SPEC_BYTES + 1:,} bytes is more than the cap of {MAX_SPEC_BYTES:,} bytes"),
    (lambda d: _write(d / "deep.json", b"[" * 50_000 + b"]" * 50_000), "nested more than 32 levels deep"),
    (lambda d: _write(d / "broken.json", b'{"layers": [}'),
     "not valid JSON: Expecting value at line 1, column 13"),
    (lambda d: _write(d / "list.json", b"[]"), "spec: must be a JSON object"),
])
def test_bad_files_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], make, message: str
                                        ) -> None:
    assert main(["summary", str(make(tmp_path))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1 and message in captured.err
    assert "Traceback" not in captured.err


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_unknown_preset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--preset", "lenet"]) == 2
    assert capsys.readouterr().err == (
        "cnnlab summary: unknown preset 'lenet'; one of convnet, lenot, mlp, tiny, batchnorm, fast\n")


def test_usage_errors_exit_2_without_traceback() -> None:
    for args in ([], ["summary"], ["summary", "--preset", "convnet", "x.json"], ["frobnicate"]):
        result = _run(*args)
        assert result.returncode == 2, args
        assert b"Traceback" not in result.stderr and b"usage:" in result.stderr


def test_summary_imports_no_tensorflow_keras_or_streamlit() -> None:
    command = [sys.executable, "-X", "importtime", "-m", "cnnlab", "summary", "--preset", "convnet"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "cnnlab" in imported and "json" in imported  # the import log was read
    assert imported.isdisjoint({"tensorflow", "keras", "streamlit", "numpy"})


def test_summary_prints_the_advice_build_shows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--preset", "convnet"]) == 0
    out = capsys.readouterr().out
    assert ("Advice (the stack trains as it is; a teacher would point these out):\n layer 7 (Dense): holds "
            "36,928 of the stack's 60,874 weights (61 %)") in out
    spec = tmp_path / "linear.json"  # two Dense layers without an activation in a row, softmax last
    spec.write_text(json.dumps({"name": "linear", "layers": [
        {"type": "Flatten"}, {"type": "Dense", "units": 32}, {"type": "Dense", "units": 32},
        {"type": "Dense", "units": 10, "activation": "softmax"}]}))
    assert main(["summary", str(spec), "--json"]) == 0
    advice = json.loads(capsys.readouterr().out)["advice"]
    assert (3, "linear_pair") in {(piece["position"], piece["rule"]) for piece in advice}
    assert all(piece["reason"] and piece["fix"] for piece in advice)
