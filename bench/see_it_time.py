"""Server time per "How this layer works" step on Build and per traced value on Predict (issue 23).

    .venv/bin/python bench/see_it_time.py [--steps 60] [--traces 30] [--json]

Build, over the browser's own protocol: starts the app as the README does (`make run`, 127.0.0.1, a temporary
runs directory), opens `/Build?preset=convnet` as one student, picks layer 3 (the Conv2D 32@3×3 on 13×13×16)
in "How this layer works" and presses "Next step" `--steps` times. Each step is interleaved with the baseline:
a choice in "Add a layer" (the layer type, Dense ↔ Conv2D), the cheapest Build action, which reruns only its
panel. For every action it reads the server process's CPU time before and after, and the wall time from the
click to the redrawn panel. The first pass walks steps nobody has drawn yet (each builds its two figures); a
second pass walks back over them (the figures come from the server-wide cache). The goal: ≤ 100 ms of server
time per step. The CPU clock ticks in 10 ms steps: read the means.

Predict, in this process (a click on a Plotly cell cannot be sent over the protocol client): what the "Trace
one value" panel makes the web server do for one click — ask the inference worker for the feature maps and
the trace, draw the clickable map, the input with the receptive field, and the patch, kernel and products,
and serialise every figure as `st.plotly_chart` does — for `--traces` random cells of the convnet's layers
1–4 (Conv2D, pooling, Conv2D, pooling) on random test images. Interleaved with the baseline: one prediction
through the same worker (what Predict asks for every digit). The model has seeded random weights: the
arithmetic, and so the time, is the same as a trained one's. Prints medians with their spread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.data import load_mnist
from cnnlab.engine.owners import new_owner_token
from cnnlab.insight.digit import scale_pixels
from cnnlab.insight.inference import InferenceClient
from cnnlab.insight.trace_charts import clickable_map_figure, field_figure, numbers_figure
from cnnlab.testing.models import random_weights_model
from cnnlab.testing.server import cpu_seconds, started_server, streamlit_pid
from cnnlab.testing.streamlit_client import StreamlitSession

EXPLAINED_LAYER = 3  # the convnet's second Conv2D: 11×11 = 121 steps
ADD_TYPES = ("Dense", "Conv2D")
TRACED_LAYERS = (1, 2, 3, 4)
MAP_CHANNELS = 64  # what Predict asks the worker for (trace_view's MAX_MAP_CHANNELS)
SETTLE_S = 0.02  # after the run's last message, for the server to finish sending it


Samples = dict[str, dict[str, list[float]]]  # kind of action → "cpu" / "wall" → ms per action


def _spread(values: list[float]) -> dict[str, float]:
    """Median, mean, lowest and highest, rounded for printing."""
    return {"median": round(statistics.median(values), 1), "mean": round(statistics.fmean(values), 1),
            "min": round(min(values), 1), "max": round(max(values), 1)}


def _ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 2) if baseline else None


def _samples(kinds: tuple[str, ...]) -> Samples:
    return {kind: {"cpu": [], "wall": []} for kind in kinds}


def _summary(samples: Samples) -> dict:
    """Per kind of action: the spread of its CPU and wall milliseconds."""
    return {kind: {"cpu_ms": _spread(f["cpu"]), "wall_ms": _spread(f["wall"])} for kind, f in samples.items()}


async def _timed(session: StreamlitSession, pid: int | None, values: dict | None = None,
                 click: str | None = None) -> tuple[float, float, bool]:
    """One action: (server CPU ms, wall ms from sending it to the page idle again, whether the whole page
    reran)."""
    before, started = cpu_seconds(pid), time.perf_counter()
    run = await session.interact(values, click)
    wall = (time.perf_counter() - started) * 1000
    await asyncio.sleep(SETTLE_S)
    return 1000 * (cpu_seconds(pid) - before), wall, run.whole_page


async def measure_build(base_url: str, pid: int | None, steps: int) -> dict:
    """Step the window `steps` times forward (new figures) and back (cached), each interleaved with a
    baseline choice in "Add a layer"; CPU and wall ms per kind."""
    figures = _samples(("new step", "cached step", "baseline"))
    whole_page = []
    session, _ = await StreamlitSession.open(base_url, "Build", f"preset=convnet&u={new_owner_token()}")
    try:
        await session.interact({"build_explain_pos": session.option("build_explain_pos",
                                                                    EXPLAINED_LAYER - 1)})
        await session.interact({"build_add_type": "Dense"})  # warm both panels once
        for number in range(2 * steps):
            kind, button = (("new step", "build_explain_next") if number < steps
                            else ("cached step", "build_explain_back"))
            cpu, wall, whole = await _timed(session, pid, click=button)
            figures[kind]["cpu"].append(cpu)
            figures[kind]["wall"].append(wall)
            whole_page.append(whole)
            cpu, wall, _ = await _timed(session, pid, {"build_add_type": ADD_TYPES[(number + 1) % 2]})
            figures["baseline"]["cpu"].append(cpu)
            figures["baseline"]["wall"].append(wall)
    finally:
        await session.close()
    return _summary(figures) | {"whole_page_share": round(statistics.fmean(whole_page), 2)}


def _trace_click(client: InferenceClient, path: Path, pixels: np.ndarray, position: int,
                 rng: np.random.Generator) -> None:
    """What one click on a feature-map cell makes the web server do (`ui.trace_view`'s fragment rerun)."""
    layers = {layer.position: layer for layer in client.feature_maps(path, pixels, MAP_CHANNELS)}
    maps = layers[position].maps
    channel = int(rng.integers(maps.shape[0]))
    row, col = (int(rng.integers(side)) for side in maps.shape[1:])
    shown = [clickable_map_figure(maps[channel], f"Layer {position}, channel {channel}")]
    trace = client.trace(path, pixels, position, (row, col, channel))
    shown.append(field_figure(pixels, trace.receptive_field, "Sees"))
    patch, kernel = trace.patch[:, :, 0], (trace.kernel[:, :, 0] if trace.kernel is not None else None)
    shown.append(numbers_figure(patch, "Patch", signed=False))
    if kernel is not None:
        shown += [numbers_figure(kernel, "Kernel"), numbers_figure(patch * kernel, "Products")]
    for figure in shown:
        figure.to_json()


def measure_predict(traces: int) -> dict:
    """`traces` traced cells interleaved with as many one-image predictions; wall and CPU ms of this
    process (the web server's side of each: the worker's time is in the wall time only)."""
    mnist = load_mnist()
    rng = np.random.default_rng(0)
    client = InferenceClient()
    figures = _samples(("trace", "baseline"))
    with tempfile.TemporaryDirectory(prefix="cnnlab-see-it-") as folder:
        path = Path(folder) / "convnet.h5"
        random_weights_model(spec_to_dict(preset_spec("convnet")), 0).save(path)
        first = scale_pixels(mnist.x_test[0])
        client.predict(path, first[None])  # spawn, import TensorFlow, load: not counted
        _trace_click(client, path, first, 1, rng)
        try:
            for number in range(traces):
                pixels = scale_pixels(mnist.x_test[int(rng.integers(len(mnist.x_test)))])
                position = TRACED_LAYERS[number % len(TRACED_LAYERS)]
                for kind in ("trace", "baseline"):
                    cpu, started = time.process_time(), time.perf_counter()
                    if kind == "trace":
                        _trace_click(client, path, pixels, position, rng)
                    else:
                        client.predict(path, pixels[None])
                    figures[kind]["wall"].append((time.perf_counter() - started) * 1000)
                    figures[kind]["cpu"].append((time.process_time() - cpu) * 1000)
        finally:
            client.close()
    return _summary(figures)


def main() -> None:
    """Measure both pages and print (as JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="window steps forward (then as many back)")
    parser.add_argument("--traces", type=int, default=30, help="traced values")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnnlab-see-it-") as work_dir, \
            started_server(Path(work_dir)) as server:
        build = asyncio.run(measure_build(server.url, streamlit_pid(server.process.pid), args.steps))
    predict = measure_predict(args.traces)
    choice_cpu = build["baseline"]["cpu_ms"]["mean"]
    figures = {"build": build, "predict": predict, "ratios": {
        "new_step_cpu": _ratio(build["new step"]["cpu_ms"]["mean"], choice_cpu),
        "cached_step_cpu": _ratio(build["cached step"]["cpu_ms"]["mean"], choice_cpu),
        "trace_wall": _ratio(predict["trace"]["wall_ms"]["median"], predict["baseline"]["wall_ms"]["median"]),
    }}
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    print(f"Build, layer {EXPLAINED_LAYER} of the convnet, {args.steps} steps each way:")
    for kind in ("new step", "cached step", "baseline"):
        cpu, wall = build[kind]["cpu_ms"], build[kind]["wall_ms"]
        print(f"  {kind:<12} server CPU mean {cpu['mean']:6.1f} ms (median {cpu['median']}, "
              f"{cpu['min']}–{cpu['max']}); wall median {wall['median']:6.1f} ms "
              f"({wall['min']}–{wall['max']})")
    print(f"  server CPU per step against the baseline: new {figures['ratios']['new_step_cpu']}×, cached "
          f"{figures['ratios']['cached_step_cpu']}× (goal: ≤ 100 ms a step)")
    print(f"  the whole page reran on {100 * build['whole_page_share']:.0f} % of the steps")
    print(f"Predict, {args.traces} traced values (web server CPU / wall ms):")
    for kind in ("trace", "baseline"):
        cpu, wall = predict[kind]["cpu_ms"], predict[kind]["wall_ms"]
        print(f"  {kind:<12} wall median {wall['median']:6.1f} ms ({wall['min']}–{wall['max']}); "
              f"CPU median {cpu['median']:6.1f} ms ({cpu['min']}–{cpu['max']})")
    print(f"  a traced value takes {figures['ratios']['trace_wall']}× a prediction's wall time")


if __name__ == "__main__":
    main()
