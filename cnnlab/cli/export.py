"""`python -m cnnlab export MODEL_FILE --to onnx|keras2-h5 --out PATH [--json]`: a model for other tools.

The file is read as Build reads an upload (`bridge.modelfile`: its architecture from the config as plain JSON,
Lambda and custom layers refused), the stack is built from that checked spec and only the weights are loaded
into it, so no code from the file ever runs. Then `bridge.export` writes ONNX or a Keras 2 .h5. A file that
is not a CNN Lab digit reader, a layer the format cannot carry, or an unusable --out: exit status 2 and a
message; an export that fails for another reason: exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from cnnlab.bridge.export import INPUT_NAME, OUTPUT_NAME, ExportFailed, export_bytes
from cnnlab.bridge.modelfile import read_model_file
from cnnlab.cli.inputs import EXIT_OK, UsageError, model_with_weights, output_path, read_model_bytes
from cnnlab.core.arithmetic import MNIST_CLASSES, analyze, training_problems
from cnnlab.core.export_rules import ExportFormat, export_problems
from cnnlab.core.layers import NetworkSpec
from cnnlab.core.messages import SpecError
from cnnlab.engine.paths import atomic_write_bytes

EXIT_EXPORT_FAILED = 1
_OUT_SUFFIXES = {ExportFormat.ONNX: ".onnx", ExportFormat.KERAS2_H5: ".h5"}


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """The `export` arguments: the model file, --to, --out and --json."""
    parser.add_argument("model", metavar="MODEL_FILE", help="a .h5 or .keras file saved by CNN Lab")
    parser.add_argument("--to", required=True, choices=[str(fmt) for fmt in ExportFormat],
                        help="onnx (onnxruntime, web pages, phones) or keras2-h5 (tf_keras / Keras 2)")
    parser.add_argument("--out", required=True, metavar="PATH", help="the file to write (.onnx or .h5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object about the written file")


def _checked_spec(data: bytes, path: Path, fmt: ExportFormat) -> NetworkSpec:
    """The file's stack, checked as a trainable MNIST digit reader that `fmt` can carry."""
    try:
        raw = read_model_file(data, path.name)
    except SpecError as error:
        raise UsageError(str(error)) from None
    analysis = analyze(raw)
    problems = [*analysis.problems, *training_problems(analysis)]
    if analysis.spec is not None:
        problems += export_problems(analysis.spec, fmt)
    if problems or analysis.spec is None:
        raise UsageError(f"{path.name} cannot be exported as {fmt.title}:\n" +
                         "\n".join(str(problem) for problem in problems))
    return analysis.spec


def run_export(args: argparse.Namespace) -> int:
    """Export the model file; print where it went (or one JSON object); the exit status."""
    fmt = ExportFormat(args.to)
    source = Path(args.model)
    data = read_model_bytes(source)
    spec = _checked_spec(data, source, fmt)
    out = output_path(args.out, _OUT_SUFFIXES[fmt], f"the {fmt.title} file")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before model_with_weights imports TensorFlow
    started = time.perf_counter()
    model = model_with_weights(spec, data, source.name)
    try:
        exported = export_bytes(model, spec, fmt)
    except ExportFailed as error:
        print(f"cnnlab export: {error}", file=sys.stderr)
        return EXIT_EXPORT_FAILED
    try:
        atomic_write_bytes(out, exported)
    except OSError as error:
        print(f"cnnlab export: {out} could not be written ({error.strerror or type(error).__name__})",
              file=sys.stderr)
        return EXIT_EXPORT_FAILED
    seconds = time.perf_counter() - started
    if args.json:
        report = {"model": str(source), "format": str(fmt), "out": str(out), "bytes": len(exported),
                  "seconds": round(seconds, 3),
                  "input": {"name": INPUT_NAME, "shape": [None, *spec.input_shape]},
                  "output": {"name": OUTPUT_NAME, "shape": [None, MNIST_CLASSES]}}
        print(json.dumps(report))
    else:
        print(f"wrote {out} ({fmt.title}, {len(exported):,} bytes, {seconds:.1f} s)")
    return EXIT_OK
