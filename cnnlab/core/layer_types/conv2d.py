"""Conv2D: `filters` learned kernels of `kernel_size` sliding over the image with `strides` — Keras's
`layers.Conv2D`."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from cnnlab.core.layer_types.base import (
    CHANNELS_LAST,
    Box,
    CellRule,
    Layer,
    PictureKind,
    Piece,
    ReceptiveStep,
    Step,
    Term,
    formula_text,
)
from cnnlab.core.layer_types.settings import (
    MAX_KERNEL_SIDE,
    Activation,
    Field,
    FieldKind,
    Padding,
    activation_field,
    padding_field,
    strides_field,
    use_bias_field,
)
from cnnlab.core.layer_types.shapes import (
    Pair,
    Shape,
    format_shape,
    padding_words,
    slide_words,
    window_output,
    window_problem,
    window_shape_formula,
    window_span,
)

MAX_FILTERS = 1024


def conv_pieces(filters: int, kernel: Pair, channels: int, use_bias: bool) -> tuple[int, tuple[Piece, ...]]:
    """Conv2D parameters: one k_h×k_w×C_in kernel per filter, plus one bias per filter — the count and its
    worked formula, each number tagged with what it counts (`conv_formula` is its text)."""
    weights = filters * kernel[0] * kernel[1] * channels
    params = weights + (filters if use_bias else 0)
    pieces = (Piece(f"{filters:,}", Term.filters), Piece(" × ("), Piece(f"{kernel[0]}", Term.kernel_rows),
              Piece("×"), Piece(f"{kernel[1]}", Term.kernel_cols), Piece("×"),
              Piece(f"{channels:,}", Term.input_channels), Piece(")"))
    if use_bias:
        pieces += (Piece(" + "), Piece(f"{filters:,}", Term.biases))
    return params, (*pieces, Piece(f" = {params:,}"))


def conv_formula(filters: int, kernel: Pair, channels: int, use_bias: bool) -> tuple[int, str]:
    """Conv2D parameters: one k_h×k_w×C_in kernel per filter, plus one bias per filter.

    >>> conv_formula(32, (3, 3), 16, True)
    (4640, '32 × (3×3×16) + 32 = 4,640')
    >>> conv_formula(8, (5, 3), 1, False)
    (120, '8 × (5×3×1) = 120')
    """
    params, pieces = conv_pieces(filters, kernel, channels, use_bias)
    return params, formula_text(pieces)


@dataclass(frozen=True)
class Conv2D(Layer):
    """A 2-D convolution: `filters` kernels of `kernel_size` (h, w) sliding with `strides` (h, w)."""

    filters: int
    kernel_size: Pair
    strides: Pair = (1, 1)
    padding: Padding = Padding.valid
    activation: Activation = Activation.linear
    use_bias: bool = True

    type = "Conv2D"
    help = "Slides small learned kernels over the image; each filter makes one feature map."
    colour = "#4C78A8"
    needs_image = True
    picture = PictureKind.window
    cell_rule = CellRule.weighted_sum
    shrink_advice = "use fewer filters or a smaller kernel"
    keras_fixed = MappingProxyType({"dilation_rate": ([1, 1], 1), "groups": (1,),
                                    "data_format": CHANNELS_LAST})
    add_form_start = MappingProxyType({"activation": (str(Activation.relu),)})  # a hidden layer
    fields = (
        Field("filters", "Filters", FieldKind.whole, (32,), f"How many kernels, so how many output channels "
              f"(1–{MAX_FILTERS:,}; Keras has no default, 32 is a common start).", low=1, high=MAX_FILTERS,
              example="32", required="how many kernels, e.g. 32"),
        Field("kernel_size", "Kernel size", FieldKind.pair, (3, 3),
              f"Height × width of each kernel (1–{MAX_KERNEL_SIDE}); 3×3 is the usual choice.",
              low=1, high=MAX_KERNEL_SIDE, example="3 or [3, 3]", required="e.g. 3 or [3, 3]"),
        strides_field(FieldKind.pair, (1, 1), "Step of the kernel down and across (Keras default 1×1); 2×2 "
                      "halves the output."),
        padding_field(),
        activation_field('"relu" is the usual choice after a convolution.'),
        use_bias_field(),
    )

    def step(self, shape: Shape) -> Step:
        """Output (h', w', filters); MACs H_out·W_out·filters·k_h·k_w·C_in. Example: 16 3×3 kernels on
        28×28×1 give 26×26×16, 16 × (3×3×1) + 16 = 160 parameters and 26×26 positions × 16 filters ×
        (3×3×1) = 97,344 MACs."""
        problem = window_problem(shape, self.kernel_size, self.padding, "kernel", "kernel_size")
        if problem:
            return Step(None, problem=problem)
        channels = shape[2]
        out = (*window_output(shape, self.kernel_size, self.strides, self.padding), self.filters)
        params, pieces = conv_pieces(self.filters, self.kernel_size, channels, self.use_bias)
        macs = out[0] * out[1] * self.filters * self.kernel_size[0] * self.kernel_size[1] * channels
        macs_formula = (f"{out[0]:,}×{out[1]:,} positions × {self.filters:,} filters × "
                        f"({self.kernel_size[0]}×{self.kernel_size[1]}×{channels:,}) = {macs:,}")
        return Step(out, params, 0, formula_text(pieces),
                    window_shape_formula(shape, self.kernel_size, self.strides, self.padding), macs,
                    macs_formula=macs_formula, pieces=pieces)

    def receptive_step(self, shape: Shape) -> ReceptiveStep:
        """The kernel's window and strides."""
        return ReceptiveStep(self.kernel_size, self.strides)

    def reads(self, shape: Shape, box: Box) -> Box:
        """Every input channel under the kernel's windows at the output rows and columns of `box`."""
        return (window_span(box[0], shape[0], self.kernel_size[0], self.strides[0], self.padding),
                window_span(box[1], shape[1], self.kernel_size[1], self.strides[1], self.padding),
                range(shape[2]))

    def how_it_works(self, shape: Shape) -> str:
        """Its filters, what one of them does at one position, and how it slides."""
        (rows, cols), channels = self.kernel_size, shape[2]
        out = window_output(shape, self.kernel_size, self.strides, self.padding)
        then = ("— no activation (linear)" if self.activation == Activation.linear
                else f"and applies {self.activation}")
        products = "adds up the products and its bias" if self.use_bias else "adds up the products"
        return (f"{self.filters:,} filters, each a {rows}×{cols}×{channels:,} block of weights "
                f"(a {rows}×{cols} kernel for each input channel){' and a bias' if self.use_bias else ''}. "
                f"A filter slides over the {format_shape(shape)} input {slide_words(self.strides)}, with "
                f"{padding_words(shape, self.kernel_size, self.strides, self.padding, 'kernel')}. At each "
                f"of the {out[0]:,}×{out[1]:,} positions it multiplies the {rows * cols * channels:,} values "
                f"under it by its weights, {products} {then}: one value of its own output "
                f"channel. {self.filters:,} filters make {self.filters:,} output channels.")
