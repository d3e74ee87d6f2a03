"""How one layer works, for Build's "How this layer works": its words, its parameter formula in named pieces,
and — for a layer that moves a window over an image — the walk of that window, one output cell per step.

Everything comes from the layer's own arithmetic: the words from `Layer.how_it_works`, the formula from the
same `Layer.step` as the table, and each step's window from `Layer.reads` (the input values that one output
value is computed from), so the picture cannot disagree with the table: the walk has exactly as many steps
as the output has cells, and its padding is where the windows reach past the image. Plain Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnlab.core.arithmetic import Analysis
from cnnlab.core.layer_types.base import Box, Layer, PictureKind, Piece, Term
from cnnlab.core.layer_types.shapes import Pair, Shape

SLIDING = (PictureKind.window, PictureKind.border)  # pictures drawn over the input's grid, cell by cell


@dataclass(frozen=True)
class WindowStep:
    """Where the window is at one step: the output cell it fills and the input rows and columns under it
    (before 0, or from the input's side on: its padding)."""

    number: int  # 0-based
    cell: Pair  # (output row, output column)
    rows: range
    cols: range

    @property
    def filled(self) -> int:
        """Output cells filled once this step is done (row by row)."""
        return self.number + 1


@dataclass(frozen=True)
class Walk:
    """A layer's window over an image input, filling its output `grid` one cell per step, row by row (a
    layer that gives one value per channel, as global pooling, has a 1×1 grid)."""

    layer: Layer
    input_shape: Shape  # (height, width, channels)
    output_shape: Shape
    grid: Pair

    @property
    def steps(self) -> int:
        """One step per output cell: rows × columns of the output.

        >>> from cnnlab.core.presets import preset_spec
        >>> from cnnlab.core.arithmetic import analyze
        >>> layer_lesson(analyze(preset_spec("convnet")), 3).walk.steps  # 11×11×32
        121
        """
        return self.grid[0] * self.grid[1]

    def step(self, number: int) -> WindowStep:
        """The window at step `number` (0 ≤ number < steps)."""
        row, col = divmod(number, self.grid[1])
        box: Box = ((range(row, row + 1), range(col, col + 1), range(1)) if len(self.output_shape) == 3
                    else (range(1),))
        rows, cols, _ = self.layer.reads(self.input_shape, box)
        return WindowStep(number, (row, col), rows, cols)

    @property
    def window(self) -> Pair:
        """The window's rows and columns (the kernel or the pool)."""
        first = self.step(0)
        return len(first.rows), len(first.cols)

    @property
    def padding(self) -> tuple[int, int, int, int]:
        """Rows and columns of zeros the windows reach into: (top, bottom, left, right).

        >>> from cnnlab.core.arithmetic import analyze
        >>> spec = {"input_shape": [28, 28, 1], "layers": [
        ...     {"type": "Conv2D", "filters": 1, "kernel_size": 3, "strides": 2, "padding": "same"}]}
        >>> layer_lesson(analyze(spec), 1).walk.padding
        (0, 1, 0, 1)
        """
        first, last = self.step(0), self.step(self.steps - 1)
        height, width = self.input_shape[0], self.input_shape[1]
        return (max(-first.rows.start, 0), max(last.rows.stop - height, 0),
                max(-first.cols.start, 0), max(last.cols.stop - width, 0))


@dataclass(frozen=True)
class LayerLesson:
    """What "How this layer works" shows for one layer of an analysed stack."""

    position: int
    type: str
    picture: PictureKind
    input_shape: Shape
    output_shape: Shape
    words: str  # `Layer.how_it_works`
    pieces: tuple[Piece, ...]  # the parameter formula, as in the table; () for a layer without weights
    shape_formula: str
    params: int
    total_params: int  # of the whole stack
    walk: Walk | None  # for a window or a border (`SLIDING`) on an image

    @property
    def share(self) -> float:
        """The share of the whole stack's parameters this layer holds (0 for an empty stack)."""
        return self.params / self.total_params if self.total_params else 0.0


def named_terms(pieces: tuple[Piece, ...]) -> tuple[tuple[str, Term], ...]:
    """Each number a formula counts, in words, with its term (once each, in order): the legend under it.

    >>> from cnnlab.core.layer_types.conv2d import conv_pieces
    >>> [words for words, _ in named_terms(conv_pieces(32, (3, 3), 16, True)[1])]
    ['32 filters', '3 kernel rows', '3 kernel columns', '16 input channels', '32 biases, one per filter']
    """
    owner = next((f", one per {term.value[:-1]}" for piece in pieces if (term := piece.term) in
                  (Term.filters, Term.units)), "")
    named: dict[tuple[str, Term], None] = {}
    for piece in pieces:
        if piece.term is not None:
            extra = owner if piece.term == Term.biases else ""
            words = piece.term.value[:-1] if piece.text == "1" else piece.term.value  # "1 input channel"
            named[(f"{piece.text} {words}{extra}", piece.term)] = None
    return tuple(named)


def layer_lesson(analysis: Analysis, position: int) -> LayerLesson | None:
    """The lesson for layer `position` (1-based), or None while its output is unknown (it or a layer above it
    has a problem)."""
    if not 1 <= position <= len(analysis.layers):
        return None
    report = analysis.layers[position - 1]
    if report.layer is None or report.input_shape is None or report.output_shape is None:
        return None
    step = report.layer.step(report.input_shape)
    walk = None
    if report.layer.picture in SLIDING and len(report.input_shape) == 3:
        grid = report.output_shape[:2] if len(report.output_shape) == 3 else (1, 1)
        walk = Walk(report.layer, report.input_shape, report.output_shape, grid)
    return LayerLesson(report.position, report.type, report.layer.picture, report.input_shape,
                       report.output_shape, report.layer.how_it_works(report.input_shape), step.pieces,
                       report.shape_formula, report.params, analysis.total_params, walk)
