"""Adding a layer type is one file plus one registry line: a throw-away type, defined whole in this module and
registered only while a test runs, shows up in the Build form, in `analyze` (shape, parameters, formulas,
problems), in the JSON round trip, in the summary table and in the picture — no other module touched."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from unittest import mock

import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.layer_types.base import NO_WEIGHTS, Layer, Step
from cnnlab.core.layer_types.registry import LAYER_TYPES
from cnnlab.core.layer_types.settings import Field, FieldKind
from cnnlab.core.layer_types.shapes import Shape, per_axis
from cnnlab.core.parse import parse_spec, spec_from_parsed
from cnnlab.core.spec_json import decode_spec_from_url, encode_spec_for_url, spec_to_dict
from cnnlab.core.summary_table import render_summary
from cnnlab.insight.charts import stack_figure
from cnnlab.testing.apptest import BUILD, messages, open_page, table_rows

COLOUR = "#123456"


@dataclass(frozen=True)
class Stretch(Layer):
    """Repeats every row and column `factor` times, then (`gain`) scales each channel by a learned number."""

    factor: int = 2
    gain: bool = True

    type = "Stretch"
    help = "Repeats each pixel factor × factor times; one learned gain per channel."
    colour = COLOUR
    needs_image = True
    fields = (
        Field("factor", "Factor", FieldKind.whole, (2,), "How many times each row and column is repeated.",
              low=1, high=4, example="2"),
        Field("gain", "Learned gain", FieldKind.flag, (True,), "Multiplies each channel by a learned gain."),
    )

    def step(self, shape: Shape) -> Step:
        """(h·factor, w·factor, c); one parameter per channel with `gain`."""
        out = (shape[0] * self.factor, shape[1] * self.factor, shape[2])
        params = shape[2] if self.gain else 0
        formula = f"{shape[2]:,} gains = {params:,}" if self.gain else NO_WEIGHTS
        return Step(out, params, 0, formula, per_axis(f"{shape[0]:,} × {self.factor} = {out[0]:,}",
                                                      f"{shape[1]:,} × {self.factor} = {out[1]:,}"))


@pytest.fixture
def stretch() -> Iterator[None]:
    """Stretch is a layer type for this test only."""
    with mock.patch.dict(LAYER_TYPES, {Stretch.type: Stretch}):
        yield
    assert Stretch.type not in LAYER_TYPES


def _stack(*layers: dict, input_shape: tuple[int, int, int] = (14, 10, 3)) -> dict:
    return {"input_shape": list(input_shape), "layers": list(layers)}


STRETCHED = _stack({"type": "Stretch", "factor": 2}, {"type": "Flatten"},
                   {"type": "Dense", "units": 10, "activation": "softmax"})


@pytest.mark.usefixtures("stretch")
def test_analyze_gives_its_shape_parameters_and_formulas() -> None:
    analysis = analyze(STRETCHED)
    assert analysis.ok
    first = analysis.layers[0]
    assert (first.type, first.output_shape, first.params) == ("Stretch", (28, 20, 3), 3)
    assert (first.formula, first.shape_formula) == ("3 gains = 3", "height 14 × 2 = 28; width 10 × 2 = 20")
    assert [r.output_shape for r in analysis.layers[1:]] == [(1680,), (10,)]
    assert analysis.total_params == 3 + 1680 * 10 + 10
    without_gain = analyze(_stack({"type": "Stretch", "factor": 3, "gain": False}, input_shape=(5, 5, 1)))
    first = without_gain.layers[0]
    assert (first.formula, first.shape_formula) == (NO_WEIGHTS, "5 × 3 = 15")


@pytest.mark.usefixtures("stretch")
def test_its_settings_are_checked_at_its_layer_like_any_other() -> None:
    problems = [str(p) for p in analyze(_stack(
        {"type": "Stretch", "factor": 9}, {"type": "Stretch", "factr": 2}, {"type": "Strech"})).problems]
    assert problems == [
        "layer 1 (Stretch): factor must be a whole number from 1 to 4, got 9 (the cap is 4); for example 2",
        'layer 2 (Stretch): unknown setting "factr"; did you mean "factor"? (Stretch takes factor, gain)',
        'layer 3 (Strech): unknown layer type "Strech"; did you mean "Stretch"?',
    ]
    flat = analyze(_stack({"type": "Flatten"}, {"type": "Stretch"}))
    assert str(flat.problems[0]).startswith("layer 2 (Stretch): needs a height × width × channels input, but "
                                            "gets the flat vector (420,) made by layer 1 (Flatten)")


@pytest.mark.usefixtures("stretch")
def test_its_json_round_trips_through_dict_and_link() -> None:
    spec = analyze(_stack({"type": "Stretch", "factor": 3.0, "gain": False})).spec
    assert spec is not None and spec.layers == (Stretch(3, False),)
    assert spec_to_dict(spec)["layers"] == [{"type": "Stretch", "factor": 3, "gain": False}]
    assert spec_from_parsed(parse_spec(spec_to_dict(spec))) == spec
    assert spec_from_parsed(parse_spec(decode_spec_from_url(encode_spec_for_url(spec)))) == spec


@pytest.mark.usefixtures("stretch")
def test_the_summary_table_and_the_picture_show_it() -> None:
    analysis = analyze(STRETCHED)
    row = next(line for line in render_summary(analysis).splitlines() if "(Stretch)" in line)
    assert [cell.strip() for cell in row.split("│")] == [
        "stretch_1 (Stretch)", "(None, 28, 20, 3)", "3", "3 gains = 3",
        "height 14 × 2 = 28; width 10 × 2 = 20", "1×1 px"]
    assert stack_figure(analysis).data[0].marker.color[1] == COLOUR


@pytest.mark.usefixtures("stretch")
def test_the_build_form_offers_it_with_its_fields() -> None:
    at = open_page(BUILD)
    assert "Stretch" in at.selectbox(key="build_add_type").options
    at.selectbox(key="build_add_type").set_value("Stretch").run()
    assert Stretch.help in [caption.value for caption in at.caption]
    factor = at.number_input(key="build_add_Stretch_factor_0")
    assert (factor.label, factor.value) == ("Factor", 2)
    assert at.checkbox(key="build_add_Stretch_gain_0").label == "Learned gain"
    factor.set_value(3)
    at.button(key="build_add_button").click().run()
    assert table_rows(at)[1][:8] == ["1", "Stretch", "factor=3", "84×84×1", "28 × 3 = 84", "1×1 px", "1",
                                     "1 gains = 1"]
    assert at.number_input(key="build_edit_factor_0").value == 3  # Edit shows the layer just added
    at.number_input(key="build_edit_factor_0").set_value(5).run()
    assert messages(at, "error") == [
        "layer 1 (Stretch): factor must be a whole number from 1 to 4, got 5 (the cap is 4); for example 2"]


def test_a_type_registered_in_a_test_is_gone_after_it() -> None:
    assert "Stretch" not in LAYER_TYPES
    (problem,) = analyze(_stack({"type": "Stretch"})).problems
    assert str(problem).startswith('layer 1 (Stretch): unknown layer type "Stretch"; one of Conv2D,')
