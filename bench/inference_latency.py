"""Inference latency: one image through the inference worker, against Keras in the same process.

    .venv/bin/python bench/inference_latency.py [--repeats 50] [--json]

Builds the reference convnet (random weights are enough for timing), saves it as .h5, and measures in the same
run: a direct `model(x, training=False)` call in this process (the baseline: no process hop, no pickling),
a prediction for one image through `insight.inference` (what the Predict page waits for), and the feature maps
of every Conv2D/pooling layer for one image. Prints medians in milliseconds and each ratio to the baseline,
and the cold start (spawn + TensorFlow import + model load) once. The promise to check: a warm answer for one
image well within a second.
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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from cnnlab.bridge.model import build_model
from cnnlab.core.presets import preset_spec
from cnnlab.insight.inference import InferenceClient


def _median_ms(call: Callable[[], object], repeats: int) -> float:
    """Median wall time of `call()` over `repeats` calls, in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    """Run the measurement and print it (as JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50, help="timed calls per measurement")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    image = np.random.default_rng(0).random((28, 28), dtype=np.float32)
    model = build_model(preset_spec("convnet"))
    client = InferenceClient()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "convnet.h5"
        model.save(path)
        started = time.perf_counter()
        client.predict(path, image[None])
        cold_ms = (time.perf_counter() - started) * 1000
        model(image[None, :, :, None], training=False)  # warm the in-process baseline too
        direct_ms = _median_ms(lambda: model(image[None, :, :, None], training=False), args.repeats)
        predict_ms = _median_ms(lambda: client.predict(path, image[None]), args.repeats)
        maps_ms = _median_ms(lambda: client.feature_maps(path, image), args.repeats)
    client.close()
    figures = {
        "in_process_ms": round(direct_ms, 2),
        "predict_ms": round(predict_ms, 2),
        "feature_maps_ms": round(maps_ms, 2),
        "predict_ratio": round(predict_ms / direct_ms, 2),
        "feature_maps_ratio": round(maps_ms / direct_ms, 2),
        "cold_start_ms": round(cold_ms),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"in-process model call, 1 image: {direct_ms:8.2f} ms (baseline)")
    print(f"worker predict, 1 image:        {predict_ms:8.2f} ms ({predict_ms / direct_ms:.2f}× baseline)")
    print(f"worker feature maps, 1 image:   {maps_ms:8.2f} ms ({maps_ms / direct_ms:.2f}× baseline)")
    print(f"cold start (spawn, import, load, predict): {cold_ms:,.0f} ms")


if __name__ == "__main__":
    main()
