"""Output shapes, parameter counts, worked formulas and MACs of a stack — exactly as Keras computes them.

Plain Python (no TensorFlow, Keras or Streamlit on this import path), so the Build page and the CLI answer
instantly. `analyze` is the single entry point: it accepts a NetworkSpec or ANY JSON value and never
raises for bad input; everything wrong comes back as `Problem`s naming the layer and the fix.

Shapes leave out the batch axis: (28, 28, 1) is one MNIST image.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnlab.core.layers import (
    MAX_PARAMS,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    Layer,
    LayerType,
    NetworkSpec,
    Padding,
    Pair,
    Pooling2D,
    ZeroPadding2D,
)
from cnnlab.core.messages import Problem
from cnnlab.core.parse import parse_spec, spec_from_parsed
from cnnlab.core.spec_json import layer_to_dict

Shape = tuple[int, ...]
BYTES_PER_WEIGHT = 4  # float32
MNIST_INPUT_SHAPE = (28, 28, 1)
MNIST_CLASSES = 10


@dataclass(frozen=True)
class LayerReport:
    """Everything the Build page shows for one layer. Numeric fields are 0 and strings "" when unknown."""

    position: int  # 1-based
    type: str
    config: dict  # normalised settings (see spec.layer_to_dict); {} when the layer could not be read
    input_shape: Shape | None
    output_shape: Shape | None
    params: int
    trainable_params: int
    non_trainable_params: int
    formula: str  # "32 × (3×3×16) + 32 = 4,640"
    shape_formula: str  # "⌊(28 − 3) / 1⌋ + 1 = 26"
    macs: int
    output_size: int  # values in the output tensor, per sample
    hint: str | None
    problems: tuple[Problem, ...]


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


# --------------------------------------------------------------------------------------------- formulas


def format_shape(shape: Shape) -> str:
    """A shape as students write it.

    >>> format_shape((13, 13, 8)), format_shape((576,))
    ('13×13×8', '576')
    """
    return "×".join(f"{side:,}" for side in shape)


def output_length(size: int, window: int, stride: int, padding: Padding) -> int:
    """Output side of a convolution or pooling along one axis, as Keras computes it.

    valid: ⌊(n − k) / s⌋ + 1 (≤ 0 when the window does not fit); same: ⌈n / s⌉.

    >>> output_length(28, 3, 1, Padding.valid), output_length(28, 3, 2, Padding.same)
    (26, 14)
    """
    if padding == Padding.same:
        return -(-size // stride)
    return (size - window) // stride + 1


def axis_formula(size: int, window: int, stride: int, padding: Padding) -> str:
    """The worked version of `output_length`.

    >>> axis_formula(28, 3, 1, Padding.valid), axis_formula(28, 3, 2, Padding.same)
    ('⌊(28 − 3) / 1⌋ + 1 = 26', '⌈28 / 2⌉ = 14')
    """
    result = output_length(size, window, stride, padding)
    if padding == Padding.same:
        return f"⌈{size:,} / {stride}⌉ = {result:,}"
    return f"⌊({size:,} − {window}) / {stride}⌋ + 1 = {result:,}"


def _per_axis(height: str, width: str) -> str:
    """One formula when both axes read the same, else both, labelled."""
    return height if height == width else f"height {height}; width {width}"


def window_shape_formula(shape: Shape, window: Pair, strides: Pair, padding: Padding) -> str:
    """Shape formula of a sliding window (Conv2D, pooling) over an (h, w, c) input; both axes if they differ.

    >>> window_shape_formula((28, 20, 1), (3, 3), (1, 1), Padding.valid)
    'height ⌊(28 − 3) / 1⌋ + 1 = 26; width ⌊(20 − 3) / 1⌋ + 1 = 18'
    """
    return _per_axis(axis_formula(shape[0], window[0], strides[0], padding),
                     axis_formula(shape[1], window[1], strides[1], padding))


def conv_formula(filters: int, kernel: Pair, channels: int, use_bias: bool) -> tuple[int, str]:
    """Conv2D parameters: one k_h×k_w×C_in kernel per filter, plus one bias per filter.

    >>> conv_formula(32, (3, 3), 16, True)
    (4640, '32 × (3×3×16) + 32 = 4,640')
    """
    weights = filters * kernel[0] * kernel[1] * channels
    params = weights + (filters if use_bias else 0)
    body = f"{filters:,} × ({kernel[0]}×{kernel[1]}×{channels:,})"
    return params, f"{body} + {filters:,} = {params:,}" if use_bias else f"{body} = {params:,}"


def dense_formula(inputs: int, units: int, use_bias: bool) -> tuple[int, str]:
    """Dense parameters: every input connects to every unit, plus one bias per unit.

    >>> dense_formula(576, 64, True)
    (36928, '(576 × 64) + 64 = 36,928')
    """
    params = inputs * units + (units if use_bias else 0)
    if use_bias:
        return params, f"({inputs:,} × {units:,}) + {units:,} = {params:,}"
    return params, f"{inputs:,} × {units:,} = {params:,}"


def batchnorm_formula(channels: int) -> tuple[int, int, str]:
    """BatchNormalization: γ and β are learned, moving mean and variance are tracked (not trained).

    Returns (trainable, non_trainable, formula):

    >>> batchnorm_formula(32)
    (64, 64, '2 × 32 trainable (γ, β) + 2 × 32 non-trainable (moving mean, variance) = 128')
    """
    trainable = non_trainable = 2 * channels
    return trainable, non_trainable, (f"2 × {channels:,} trainable (γ, β) + 2 × {channels:,} non-trainable "
                                      f"(moving mean, variance) = {trainable + non_trainable:,}")


NO_WEIGHTS = "no weights = 0"


# --------------------------------------------------------------------------------------------- one layer


@dataclass(frozen=True)
class _Step:
    """What one layer does to a known input shape."""

    output_shape: Shape | None
    params: int = 0
    non_trainable: int = 0
    formula: str = NO_WEIGHTS
    shape_formula: str = ""
    macs: int = 0
    hint: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class _FlatBy:
    """Which layer turned the tensor into a flat vector (for the fix in "needs a 3-D input" messages)."""

    position: int
    type: str


def _needs_image(shape: Shape, flat_by: _FlatBy | None) -> str | None:
    """Message for a layer that needs (h, w, c) but receives a flat vector; None when the input is 3-D."""
    if len(shape) == 3:
        return None
    if flat_by is None:
        return f"needs a height × width × channels input, but gets the flat vector ({shape[0]:,},)"
    return (f"needs a height × width × channels input, but gets the flat vector ({shape[0]:,},) made by "
            f"layer {flat_by.position} ({flat_by.type}); put this layer before layer {flat_by.position} "
            f"(or remove that {flat_by.type})")


def _window_problem(shape: Shape, window: Pair, what: str, key: str) -> str | None:
    """Message when a valid-padding window is bigger than its input (the output would shrink to zero)."""
    if window[0] <= shape[0] and window[1] <= shape[1]:
        return None
    limit = f"{shape[0]:,}" if shape[0] == shape[1] else f"[{shape[0]:,}, {shape[1]:,}]"
    return (f"{what} {window[0]}×{window[1]} is larger than its {format_shape(shape)} input; "
            f'use {key} ≤ {limit} or padding="same"')


def _window_output(shape: Shape, window: Pair, strides: Pair, padding: Padding) -> tuple[int, int]:
    """(height, width) after a sliding window (kernel or pool) on an (h, w, c) input, per `output_length`."""
    return (output_length(shape[0], window[0], strides[0], padding),
            output_length(shape[1], window[1], strides[1], padding))


def _window_check(shape: Shape, flat_by: _FlatBy | None, window: Pair, padding: Padding, what: str,
                  key: str) -> str | None:
    """Why a kernel or pool cannot slide here: not an image, or bigger than it with valid padding."""
    problem = _needs_image(shape, flat_by)
    if problem is None and padding == Padding.valid:
        problem = _window_problem(shape, window, what, key)
    return problem


def _conv(layer: Conv2D, shape: Shape, flat_by: _FlatBy | None) -> _Step:
    problem = _window_check(shape, flat_by, layer.kernel_size, layer.padding, "kernel", "kernel_size")
    if problem:
        return _Step(None, problem=problem)
    channels = shape[2]
    out = (*_window_output(shape, layer.kernel_size, layer.strides, layer.padding), layer.filters)
    params, formula = conv_formula(layer.filters, layer.kernel_size, channels, layer.use_bias)
    macs = out[0] * out[1] * layer.filters * layer.kernel_size[0] * layer.kernel_size[1] * channels
    return _Step(out, params, 0, formula, window_shape_formula(shape, layer.kernel_size, layer.strides,
                                                                layer.padding), macs)


def _pool(layer: Pooling2D, shape: Shape, flat_by: _FlatBy | None) -> _Step:
    problem = _window_check(shape, flat_by, layer.pool_size, layer.padding, "pool", "pool_size")
    if problem:
        return _Step(None, problem=problem)
    out = (*_window_output(shape, layer.pool_size, layer.strides, layer.padding), shape[2])
    formula = window_shape_formula(shape, layer.pool_size, layer.strides, layer.padding)
    return _Step(out, shape_formula=formula)


def _zero_pad(layer: ZeroPadding2D, shape: Shape, flat_by: _FlatBy | None) -> _Step:
    problem = _needs_image(shape, flat_by)
    if problem:
        return _Step(None, problem=problem)
    (top, bottom), (left, right) = layer.padding
    out = (shape[0] + top + bottom, shape[1] + left + right, shape[2])
    formula = _per_axis(f"{shape[0]:,} + {top} + {bottom} = {out[0]:,}",
                        f"{shape[1]:,} + {left} + {right} = {out[1]:,}")
    return _Step(out, shape_formula=formula)


def _flatten(shape: Shape) -> _Step:
    size = _size(shape)
    if len(shape) == 1:
        return _Step(shape, shape_formula=f"already flat: {size:,}",
                     hint="the input is already flat, so this Flatten changes nothing")
    return _Step((size,), shape_formula=f"{' × '.join(f'{s:,}' for s in shape)} = {size:,}")


def _global_average(shape: Shape, flat_by: _FlatBy | None) -> _Step:
    problem = _needs_image(shape, flat_by)
    if problem:
        return _Step(None, problem=problem)
    formula = f"one mean per channel over {shape[0]:,}×{shape[1]:,} → {shape[2]:,}"
    return _Step((shape[2],), shape_formula=formula)


def _dense(layer: Dense, shape: Shape) -> _Step:
    inputs = shape[-1]
    params, formula = dense_formula(inputs, layer.units, layer.use_bias)
    out = (*shape[:-1], layer.units)
    positions = _size(shape[:-1])
    if len(shape) == 1:
        return _Step(out, params, 0, formula, f"{layer.units:,} units", inputs * layer.units)
    where = format_shape(shape[:-1])
    hint = (f"Dense acts on the last axis only: each of the {where} positions maps its {inputs:,} values to "
            f"{layer.units:,} (same weights everywhere), giving {format_shape(out)}. To use the whole image, "
            "you probably meant to put a Flatten (or GlobalAveragePooling2D) before this Dense.")
    return _Step(out, params, 0, formula, f"{inputs:,} → {layer.units:,} at each of {where} positions",
                 positions * inputs * layer.units, hint)


def _batchnorm(shape: Shape) -> _Step:
    trainable, non_trainable, formula = batchnorm_formula(shape[-1])
    return _Step(shape, trainable + non_trainable, non_trainable, formula, "unchanged")


def _step(layer: Layer, shape: Shape, flat_by: _FlatBy | None) -> _Step:
    """Shape, parameters, formulas and MACs of one layer on a known input shape.

    MACs (multiply-accumulates per sample) count only Conv2D (H_out·W_out·filters·k_h·k_w·C_in) and Dense
    (inputs·units, times the positions on a 3-D input); pooling, padding, normalisation and activations are
    counted as 0.
    """
    match layer:
        case Conv2D():
            return _conv(layer, shape, flat_by)
        case Pooling2D():
            return _pool(layer, shape, flat_by)
        case ZeroPadding2D():
            return _zero_pad(layer, shape, flat_by)
        case Flatten():
            return _flatten(shape)
        case GlobalAveragePooling2D():
            return _global_average(shape, flat_by)
        case Dense():
            return _dense(layer, shape)
        case BatchNormalization():
            return _batchnorm(shape)
        case Dropout():
            return _Step(shape, shape_formula="unchanged")
    raise TypeError(f"not a layer: {layer!r}")


def _size(shape: Shape) -> int:
    size = 1
    for side in shape:
        size *= side
    return size


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
        step = _Step(None, formula="")
        if item.layer is not None and shape is not None:
            step = _step(item.layer, shape, flat_by)
            if step.problem:
                layer_problems.append(Problem(item.position, item.type_name, step.problem))
            elif step.params > MAX_PARAMS:
                layer_problems.append(Problem(item.position, item.type_name, (
                    f"{step.params:,} parameters is more than the cap of {MAX_PARAMS:,} for the whole "
                    f"network; {_shrink_advice(item.layer)}")))
        flattens = isinstance(item.layer, Flatten | GlobalAveragePooling2D) and len(shape or ()) == 3
        if flattens and step.output_shape is not None:
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


def _shrink_advice(layer: Layer) -> str:
    if isinstance(layer, Dense):
        return "use fewer units, or shrink its input first (pooling, strides, or GlobalAveragePooling2D)"
    return "use fewer filters or a smaller kernel"


def _report(position: int, type_name: str, layer: Layer | None, shape: Shape | None, step: _Step,
            problems: tuple[Problem, ...]) -> LayerReport:
    known = step.output_shape is not None
    return LayerReport(
        position=position, type=type_name, config=layer_to_dict(layer) if layer is not None else {},
        input_shape=shape, output_shape=step.output_shape if known else None,
        params=step.params if known else 0, trainable_params=step.params - step.non_trainable if known else 0,
        non_trainable_params=step.non_trainable if known else 0, formula=step.formula if known else "",
        shape_formula=step.shape_formula if known else "", macs=step.macs if known else 0,
        output_size=_size(step.output_shape) if known and step.output_shape else 0,
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
    elif last.type != LayerType.Dense:
        problems.append(Problem(last.position, last.type, (
            f"the last layer must be a Dense layer giving one probability per digit; add "
            f'Dense(units={MNIST_CLASSES}, activation="softmax") at the end')))
    else:
        if last.config["units"] != MNIST_CLASSES:
            problems.append(Problem(last.position, last.type, (
                f"the last Dense has {last.config['units']:,} units but MNIST has {MNIST_CLASSES} digits; "
                f"use units={MNIST_CLASSES}")))
        if last.config["activation"] != "softmax":
            problems.append(Problem(last.position, last.type, (
                f'the last Dense uses activation "{last.config["activation"]}"; use "softmax" so its outputs '
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
