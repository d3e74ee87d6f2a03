"""Build's "How this layer works" in AppTest: the layer picked (there or in "Edit a layer"), its words, its
coloured formula with named terms, the window stepping and playing, still pictures, and advice at the layer
(in the panel and in the table)."""

from __future__ import annotations

import re

from cnnlab.testing.apptest import BUILD, figure_titles, open_page, plotly_specs, shown, table_rows
from cnnlab.ui.layer_explainer import PLAYING, POSITION, STEP, play_tick


def _markdown(at) -> list[str]:
    return [shown(element.value) for element in at.markdown]


def _text(at) -> str:
    """Every Markdown element's and caption's text, HTML tags removed, as the browser shows it."""
    values = _markdown(at) + [shown(caption.value) for caption in at.caption]
    return "\n".join(re.sub(r"<[^>]+>", "", value) for value in values)


def _filled(at) -> str:
    return next(value for value in _markdown(at) if value.startswith("**Output cells filled"))


def _explain(at, position: int):
    return at.selectbox(key=POSITION).set_value(position).run()


def test_layer_three_of_the_convnet_shows_its_formula_with_named_coloured_terms() -> None:
    at = _explain(open_page(BUILD, preset="convnet"), 3)
    assert not at.exception
    text = _text(at)
    assert "32 × (3×3×16) + 32 = 4,640" in text
    assert ("32 filters · 3 kernel rows · 3 kernel columns · 16 input channels · 32 biases, one per filter"
            in text)
    formula = next(value for value in _markdown(at) if "4,640" in value and "<span" in value)
    colours = re.findall(r'<span style="color:(#[0-9A-F]{6});font-weight:700">([^<]+)</span>', formula)
    assert [text for _, text in colours] == ["32", "3", "3", "16", "32"]
    assert len({colour for colour, _ in colours}) == 5  # filters, rows, columns, channels, biases
    assert "32 filters, each a 3×3×16 block of weights" in text
    assert _filled(at) == "**Output cells filled: 1 of 121**"


def test_the_window_steps_and_the_output_fills_cell_by_cell() -> None:
    at = _explain(open_page(BUILD, preset="convnet"), 3)
    at.button(key="build_explain_next").click().run()
    assert _filled(at) == "**Output cells filled: 2 of 121**"
    assert "Step 2: the window covers input rows 0–2, columns 1–3" in _text(at)
    titles = figure_titles(at)
    assert "Output 11×11×32 · 2 of 121 cells filled" in titles
    at.slider(key="build_explain_slider").set_value(121).run()
    assert _filled(at) == "**Output cells filled: 121 of 121**"
    assert at.button(key="build_explain_next").disabled
    at.button(key="build_explain_back").click().run()
    assert _filled(at) == "**Output cells filled: 120 of 121**"


def test_play_moves_the_window_on_each_run_and_stops_at_the_end() -> None:
    at = _explain(open_page(BUILD, preset="convnet"), 5)  # 3×3 output: 9 steps
    at.button(key="build_explain_play").click().run()
    assert at.session_state[PLAYING]
    assert _filled(at) == "**Output cells filled: 2 of 9**"  # playing starts with a step
    assert at.button(key="build_explain_play").label == "Pause"
    at.run()  # what the timer's rerun does
    assert _filled(at) == "**Output cells filled: 3 of 9**"
    at.button(key="build_explain_play").click().run()  # Pause
    assert not at.session_state[PLAYING] and _filled(at) == "**Output cells filled: 3 of 9**"
    at.button(key="build_explain_play").click().run()
    for _ in range(10):
        at.run()
    assert not at.session_state[PLAYING]  # the last step ends the play
    assert _filled(at) == "**Output cells filled: 9 of 9**"
    assert at.button(key="build_explain_play").label == "Play"


def test_picking_a_layer_in_edit_explains_it_from_its_first_step() -> None:
    at = _explain(open_page(BUILD, preset="convnet"), 3)
    at.button(key="build_explain_next").click().run()
    at.selectbox(key="build_edit_pos").set_value(5).run()
    assert at.selectbox(key=POSITION).value == 5 and at.session_state[STEP] == 0
    assert "64 × (3×3×32) + 64 = 18,496" in _text(at)
    assert _filled(at) == "**Output cells filled: 1 of 9**"


def test_other_layers_get_their_own_pictures_and_words() -> None:
    at = _explain(open_page(BUILD, preset="convnet"), 2)
    assert "0 parameters: pooling only compares or averages." in _text(at)
    assert "× 16 channels, one at a time" in str(plotly_specs(at))
    at = _explain(at, 6)
    assert "one row of 3 × 3 × 64 = 576 values" in str(plotly_specs(at))
    at = _explain(at, 7)
    assert "(576 × 64) + 64 = 36,928" in _text(at)
    assert "576 inputs · 64 units · 64 biases, one per unit" in _text(at)
    assert "This layer holds 36,928 of the stack's 60,874 parameters (60.7 %)." in [
        p.proto.text for p in at.get("progress")]
    assert any("holds 36,928 of the stack's 60,874 weights (61 %)" in shown(info.value) for info in at.info)
    at = _explain(open_page(BUILD, preset="lenot"), 1)
    assert "zeros 2 above, 2 below, 2 left, 2 right" in str(plotly_specs(at))


def test_the_table_shows_advice_at_its_layer() -> None:
    at = open_page(BUILD, preset="convnet")
    checks = [row[8] for row in table_rows(at)]
    assert checks[7].startswith("☞ holds 36,928 of the stack's 60,874 weights (61 %)")
    assert [check for index, check in enumerate(checks) if index != 7] == ["✓"] * 8


def test_a_layer_with_a_problem_says_to_fix_it_first() -> None:
    at = open_page(BUILD, preset="convnet")
    at.selectbox(key="build_edit_pos").set_value(3).run()
    at.number_input(key="build_edit_kernel_size_0").set_value(20.0).run()
    at = _explain(at, 5)
    assert any("Layer 5 cannot be shown until it and the layers above it fit together" in info.value
               for info in at.info)
    assert not at.exception



def test_a_timer_tick_that_arrives_after_pause_moves_nothing() -> None:
    """On a busy server the browser's play timer can fire once more before Pause reaches it: that late tick
    leaves the window where Pause left it; while playing, a tick moves it one step, and the last step ends the
    play."""
    paused = {STEP: 4, PLAYING: False}
    assert not play_tick(paused, 121) and paused == {STEP: 4, PLAYING: False}
    playing = {STEP: 4, PLAYING: True}
    assert not play_tick(playing, 121) and playing == {STEP: 5, PLAYING: True}
    near_the_end = {STEP: 119, PLAYING: True}
    assert play_tick(near_the_end, 121) and near_the_end == {STEP: 120, PLAYING: False}
