"""Output shapes, parameter counts, worked formulas and MACs of a stack — exactly as Keras computes them.

Plain Python (no TensorFlow, Keras or Streamlit on this import path), so the Build page and the CLI answer
instantly. `analyze` is the single entry point: it accepts a NetworkSpec or ANY JSON value and never
raises for bad input; everything wrong comes back as `Problem`s naming the layer and the fix. Each layer
type computes its own step (`layer_types/`, `Layer.step`); this module walks the stack through them, checks
the caps and adds up the totals.

Shapes leave out the batch axis: (28, 28, 1) is one MNIST image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cnnlab.core.layer_types.base import Layer, Step
from cnnlab.core.layer_types.dense import Dense
from cnnlab.core.layer_types.settings import Activation
from cnnlab.core.layer_types.shapes import Shape, format_shape
from cnnlab.core.layers import MAX_PARAMS, NetworkSpec
from cnnlab.core.messages import Problem
from cnnlab.core.parse import parse_spec, spec_from_parsed
from cnnlab.core.spec_json import layer_to_dict

BYTES_PER_WEIGHT = 4  # float32
MNIST_INPUT_SHAPE = (28, 28, 1)
MNIST_CLASSES = 10


@dataclass(frozen=True)
class LayerReport:
    """Everything the Build page shows for one layer. Numeric fields are 0 and strings "" when unknown."""

    position: int  # 1-based
    type: str
    layer: Layer | None  # None when its own settings could not be read
    input_shape: Shape | None
    output_shape: Shape | None
    params: int
    trainable_params: int
    non_trainable_params: int
    formula: str  # "32 × (3×3×16) + 32 = 4,640"
    shape_formula: str  # "⌊(28 − 3) / 1⌋ + 1 = 26"
    macs: int
    macs_formula: str  # "26×26 positions × 16 filters × (3×3×1) = 97,344"; "" for a layer without MACs
    output_size: int  # values in the output tensor, per sample
    hint: str | None
    problems: tuple[Problem, ...]

    @property
    def config(self) -> dict:
        """The layer's normalised settings (see `spec_json.layer_to_dict`); {} when it could not be read."""
        return layer_to_dict(self.layer) if self.layer is not None else {}


@dataclass(frozen=True)
class Analysis:
    """A whole stack analysed: per-layer reports, every problem, totals; `spec` is set only when `ok`."""

    name: str
    input_shape: Shape | None
    layers: tuple[LayerReport, ...]
    problems: tuple[Problem, ...]
    total_params: int
    trainable_params: int
    non_trainable_params: int
    macs: int
    weight_bytes: int  # float32 weights
    output_shape: Shape | None
    spec: NetworkSpec | None

    @property
    def ok(self) -> bool:
        """True when Keras would build this stack and every cap holds."""
        return not self.problems


# --------------------------------------------------------------------------------------------- one layer


@dataclass(frozen=True)
class _FlatBy:
    """Which layer turned the tensor into a flat vector (for the fix in "needs a 3-D input" messages)."""

    position: int
    type: str


def _needs_image(shape: Shape, flat_by: _FlatBy | None) -> str:
    """Message for a layer that needs (h, w, c) but receives the flat vector `shape`."""
    if flat_by is None:
        return f"needs a height × width × channels input, but gets the flat vector ({shape[0]:,},)"
    return (f"needs a height × width × channels input, but gets the flat vector ({shape[0]:,},) made by "
            f"layer {flat_by.position} ({flat_by.type}); put this layer before layer {flat_by.position} "
            f"(or remove that {flat_by.type})")


def _step(layer: Layer, shape: Shape, flat_by: _FlatBy | None) -> Step:
    """Shape, parameters, formulas and MACs of one layer on a known input shape (`Layer.step`), or why a
    layer that needs an image cannot take a flat vector.

    MACs (multiply-accumulates per sample) count only Conv2D (H_out·W_out·filters·k_h·k_w·C_in) and Dense
    (inputs·units, times the positions on a 3-D input); pooling, padding, normalisation and activations are
    counted as 0.
    """
    if layer.needs_image and len(shape) != 3:
        return Step(None, problem=_needs_image(shape, flat_by))
    return layer.step(shape)


# --------------------------------------------------------------------------------------------- whole stack


def analyze(raw: object) -> Analysis:
    """Check and compute a whole stack: every layer's shape, parameters, formulas, MACs, and every problem.

    Accepts a NetworkSpec or any JSON value; never raises for bad input. Layers before a problem keep their
    shapes; layers after a broken shape still get their own settings checked.

    >>> from cnnlab.core.presets import preset_spec
    >>> analyze(preset_spec("convnet")).total_params
    60874
    """
    parsed = parse_spec(raw)
    problems = list(parsed.problems)
    reports: list[LayerReport] = []
    shape: Shape | None = parsed.input_shape
    flat_by: _FlatBy | None = None
    for item in parsed.layers:
        layer_problems = list(item.problems)
        step = Step(None, formula="")
        if item.layer is not None and shape is not None:
            step = _step(item.layer, shape, flat_by)
            if step.problem:
                layer_problems.append(Problem(item.position, item.type_name, step.problem))
            elif step.params > MAX_PARAMS:
                layer_problems.append(Problem(item.position, item.type_name, (
                    f"{step.params:,} parameters is more than the cap of {MAX_PARAMS:,} for the whole "
                    f"network; {item.layer.shrink_advice}")))
        if len(shape or ()) == 3 and step.output_shape is not None and len(step.output_shape) == 1:
            flat_by = _FlatBy(item.position, item.type_name)
        reports.append(_report(item.position, item.type_name, item.layer, shape, step, tuple(layer_problems)))
        problems += layer_problems
        shape = step.output_shape
    total = sum(r.params for r in reports)
    if total > MAX_PARAMS and all(r.params <= MAX_PARAMS for r in reports):
        biggest = max(reports, key=lambda r: r.params)
        problems.append(Problem(None, None, (
            f"parameters: {total:,} in total is more than the cap of {MAX_PARAMS:,}; the biggest is layer "
            f"{biggest.position} ({biggest.type}) with {biggest.params:,}, so shrink that one first")))
    non_trainable = sum(r.non_trainable_params for r in reports)
    ok = not problems
    output_shape = (reports[-1].output_shape if reports else parsed.input_shape) if ok else None
    return Analysis(
        name=parsed.name, input_shape=parsed.input_shape, layers=tuple(reports), problems=tuple(problems),
        total_params=total, trainable_params=total - non_trainable, non_trainable_params=non_trainable,
        macs=sum(r.macs for r in reports), weight_bytes=total * BYTES_PER_WEIGHT, output_shape=output_shape,
        spec=spec_from_parsed(parsed) if ok else None,
    )


def _report(position: int, type_name: str, layer: Layer | None, shape: Shape | None, step: Step,
            problems: tuple[Problem, ...]) -> LayerReport:
    known = step.output_shape is not None
    return LayerReport(
        position=position, type=type_name, layer=layer,
        input_shape=shape, output_shape=step.output_shape if known else None,
        params=step.params if known else 0, trainable_params=step.params - step.non_trainable if known else 0,
        non_trainable_params=step.non_trainable if known else 0, formula=step.formula if known else "",
        shape_formula=step.shape_formula if known else "", macs=step.macs if known else 0,
        macs_formula=step.macs_formula if known else "",
        output_size=math.prod(step.output_shape) if known and step.output_shape else 0,
        hint=step.hint if known else None, problems=problems,
    )


def training_problems(analysis: Analysis) -> tuple[Problem, ...]:
    """Why this stack cannot be trained on MNIST (28×28×1 in, 10 softmax probabilities out), with the fix.

    Only the MNIST-specific problems: the analysis's own problems are not repeated, so show both lists.
    """
    problems = []
    if analysis.input_shape is not None and analysis.input_shape != MNIST_INPUT_SHAPE:
        problems.append(Problem(None, None, (
            f"input_shape: MNIST images are 28×28×1 but this stack expects "
            f"{format_shape(analysis.input_shape)}; set input_shape to [28, 28, 1] "
            "(a ZeroPadding2D layer can then enlarge them)")))
    if not analysis.ok:
        return tuple(problems)
    last = analysis.layers[-1] if analysis.layers else None
    finish = f'end the stack with Flatten and Dense(units={MNIST_CLASSES}, activation="softmax")'
    if last is None:
        problems.append(Problem(None, None, f"layers: the stack is empty; {finish}"))
    elif not isinstance(last.layer, Dense):
        problems.append(Problem(last.position, last.type, (
            f"the last layer must be a Dense layer giving one probability per digit; add "
            f'Dense(units={MNIST_CLASSES}, activation="softmax") at the end')))
    else:
        if last.layer.units != MNIST_CLASSES:
            problems.append(Problem(last.position, last.type, (
                f"the last Dense has {last.layer.units:,} units but MNIST has {MNIST_CLASSES} digits; "
                f"use units={MNIST_CLASSES}")))
        if last.layer.activation != Activation.softmax:
            problems.append(Problem(last.position, last.type, (
                f'the last Dense uses activation "{last.layer.activation}"; use "softmax" so its outputs '
                "are probabilities that add up to 1")))
        if last.output_shape is not None and len(last.output_shape) != 1:
            problems.append(Problem(last.position, last.type, (
                f"outputs {format_shape(last.output_shape)} values instead of one vector of {MNIST_CLASSES}; "
                "put a Flatten (or GlobalAveragePooling2D) before the Dense layers")))
    return tuple(problems)


@dataclass(frozen=True)
class Trainability:
    """Can this stack be trained on MNIST, and why not: its analysis, and every problem in the way."""

    analysis: Analysis
    problems: tuple[Problem, ...]

    @property
    def spec(self) -> NetworkSpec | None:
        """The spec to train, or None while there is a problem."""
        return None if self.problems else self.analysis.spec

    def message(self, limit: int = 3) -> str:
        """The first `limit` problems as one line, for a refusal: "layer 3 (Conv2D): …; layers: …"."""
        return "; ".join(str(problem) for problem in self.problems[:limit]) or "the stack is not valid"


def trainability(raw: object) -> Trainability:
    """Check any spec value for training on MNIST: its own problems, then MNIST's (`training_problems`).

    The one place that answers "can this be trained?" for the job manager, the trainer, the CLI and Train.
    """
    analysis = analyze(raw)
    problems = (*analysis.problems, *training_problems(analysis))
    if not problems and analysis.spec is None:
        problems = (Problem(None, None, "the stack is not valid"),)
    return Trainability(analysis, problems)


def analysis_to_json(analysis: Analysis) -> dict:
    """The `cnnlab summary --json` document: per-layer numbers and formulas, totals, and problems as text."""
    layers = [{
        "position": r.position, "type": r.type,
        "output_shape": list(r.output_shape) if r.output_shape is not None else None,
        "params": r.params, "trainable_params": r.trainable_params,
        "non_trainable_params": r.non_trainable_params,
        "formula": r.formula, "shape_formula": r.shape_formula, "macs": r.macs, "output_size": r.output_size,
        "config": r.config, "hint": r.hint, "problems": [str(p) for p in r.problems],
    } for r in analysis.layers]
    data: dict = {"name": analysis.name} if analysis.name else {}
    return data | {
        "input_shape": list(analysis.input_shape) if analysis.input_shape is not None else None,
        "layers": layers,
        "output_shape": list(analysis.output_shape) if analysis.output_shape is not None else None,
        "total_params": analysis.total_params, "trainable_params": analysis.trainable_params,
        "non_trainable_params": analysis.non_trainable_params, "macs": analysis.macs,
        "weight_bytes": analysis.weight_bytes, "ok": analysis.ok,
        "problems": [str(p) for p in analysis.problems],
    }
