"""Export time per format for the reference convnet, against saving its Keras 3 .h5 in the same run.

    .venv/bin/python bench/export_time.py [--rounds 3] [--json]

Builds the reference convnet (random weights are enough for timing) and times, in interleaved rounds: the
baseline `model.save("model.h5")` (the file every run already gets), the ONNX export (tf2onnx, in this
process, as in the inference worker) and the Keras 2 .h5 export (tf_keras in a fresh process, which imports
TensorFlow each time: that import is most of it). Prints each format's median seconds with its min–max spread,
and the ratio of the medians to the baseline. tf2onnx's first conversion in a process also imports it: that
cold figure is reported on its own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from cnnlab.bridge.export import export_bytes
from cnnlab.bridge.model import build_model
from cnnlab.core.export_rules import ExportFormat
from cnnlab.core.presets import preset_spec


def _seconds(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    """Run the measurement and print it (as JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of all three")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    spec = preset_spec("convnet")
    model = build_model(spec)
    with tempfile.TemporaryDirectory() as folder:
        h5 = Path(folder) / "model.h5"
        model.save(h5)  # warm Keras's saving code, like a warm worker
        cold_onnx = _seconds(lambda: export_bytes(model, spec, ExportFormat.ONNX))
        tasks = {"keras3_h5_save": lambda: model.save(h5),
                 "onnx": lambda: export_bytes(model, spec, ExportFormat.ONNX),
                 "keras2_h5": lambda: export_bytes(model, spec, ExportFormat.KERAS2_H5)}
        times: dict[str, list[float]] = {name: [] for name in tasks}
        for _ in range(args.rounds):
            for name, task in tasks.items():
                times[name].append(_seconds(task))
    medians = {name: statistics.median(values) for name, values in times.items()}
    baseline = medians["keras3_h5_save"]
    figures = {name: {"median_s": round(medians[name], 3), "min_s": round(min(values), 3),
                      "max_s": round(max(values), 3), "ratio": round(medians[name] / baseline, 1)}
               for name, values in times.items()}
    report = {"rounds": args.rounds, "onnx_cold_s": round(cold_onnx, 3), **figures}
    if args.json:
        print(json.dumps(report))
        return
    for name, figure in figures.items():
        spread = f"{figure['min_s']:.3f}–{figure['max_s']:.3f} s"
        print(f"{name:15s} median {figure['median_s']:7.3f} s  ({spread})  "
              f"{figure['ratio']:.1f}× the Keras 3 .h5 save")
    print(f"onnx, first in this process (imports tf2onnx): {cold_onnx:.3f} s")


if __name__ == "__main__":
    main()
