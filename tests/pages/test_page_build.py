"""The Build page in AppTest: links, the form, live shapes and parameters, messages, files."""

from __future__ import annotations

import base64
import io
import json

import h5py
import pytest

from cnnlab.core.layers import MAX_LAYERS
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import decode_spec_from_url, encode_spec_for_url, spec_to_dict
from cnnlab.lab import Lab
from cnnlab.testing.apptest import BUILD, messages, metric, open_page, shown, table_rows

CONVNET_ROWS = [  # (#, type, output shape, params) as the reference's model.summary()
    ("", "Input", "28×28×1", "0"),
    ("1", "Conv2D", "26×26×16", "160"),
    ("2", "MaxPooling2D", "13×13×16", "0"),
    ("3", "Conv2D", "11×11×32", "4,640"),
    ("4", "MaxPooling2D", "5×5×32", "0"),
    ("5", "Conv2D", "3×3×64", "18,496"),
    ("6", "Flatten", "576", "0"),
    ("7", "Dense", "64", "36,928"),
    ("8", "Dense", "10", "650"),
]


def summary(at) -> list[tuple[str, str, str, str]]:
    """(#, type, output shape, params) of each table row."""
    return [(row[0], row[1], row[3], row[6]) for row in table_rows(at)]


def add_layer(at, layer_type: str, **settings: object):
    """Choose `layer_type` in "Add a layer", fill its boxes (name → value or tuple of parts), press Add."""
    at.selectbox(key="build_add_type").set_value(layer_type).run()
    for name, value in settings.items():
        parts = value if isinstance(value, tuple) else (value,)
        for index, part in enumerate(parts):
            widget_key = f"build_add_{layer_type}_{name}_{index}"
            widgets = at.selectbox if isinstance(part, str) else at.number_input
            widgets(key=widget_key).set_value(part)
    return at.button(key="build_add_button").click().run()


def test_preset_link_opens_the_convnet_with_the_reference_numbers() -> None:
    at = open_page(BUILD, preset="convnet")
    assert not at.exception
    assert summary(at) == CONVNET_ROWS
    assert metric(at, "Parameters") == "60,874"
    assert metric(at, "Output shape") == "10"
    assert table_rows(at)[3][7] == "32 × (3×3×16) + 32 = 4,640"
    assert table_rows(at)[1][4] == "⌊(28 − 3) / 1⌋ + 1 = 26"
    assert [row[5] for row in table_rows(at)] == ["1×1 px", "3×3 px", "4×4 px", "8×8 px", "10×10 px",
                                                  "18×18 px", "18×18 px", "whole image", "whole image"]
    assert "preset" not in at.query_params and len(at.query_params["u"]) == 24
    assert not at.error and not at.warning


def test_a_stack_built_through_the_form_shows_each_shape_and_parameter_count() -> None:
    at = open_page(BUILD)
    assert at.info[0].value.startswith("The stack is empty")
    add_layer(at, "Conv2D", filters=8, kernel_size=(5, 5), activation="relu")
    assert summary(at)[1] == ("1", "Conv2D", "24×24×8", "208")
    add_layer(at, "MaxPooling2D")
    add_layer(at, "Flatten")
    assert summary(at)[2:] == [("2", "MaxPooling2D", "12×12×8", "0"), ("3", "Flatten", "1,152", "0")]
    assert any("the last layer must be a Dense layer" in w for w in messages(at, "warning"))
    add_layer(at, "Dense", units=10, activation="softmax")
    assert summary(at)[4] == ("4", "Dense", "10", "11,530")
    assert metric(at, "Parameters") == "11,738"
    assert not at.error and not at.warning
    add_layer(at, "Dropout", rate=0.5)  # appended after the softmax: MNIST training now objects
    assert any("the last layer must be a Dense layer" in w for w in messages(at, "warning"))


def test_a_layer_is_inserted_at_the_chosen_position() -> None:
    at = open_page(BUILD, preset="convnet")
    at.selectbox(key="build_add_pos").set_value(1)
    add_layer(at, "ZeroPadding2D", padding=(2, 2, 2, 2))
    assert summary(at)[1:3] == [("1", "ZeroPadding2D", "32×32×1", "0"), ("2", "Conv2D", "30×30×16", "160")]
    assert metric(at, "Parameters") == "89,546"  # 4×4×64 = 1,024 inputs to the first Dense now


def test_changing_the_first_conv_filters_updates_that_layer_its_neighbour_and_the_total() -> None:
    at = open_page(BUILD, preset="convnet")
    at.number_input(key="build_edit_filters_0").set_value(32).run()
    assert summary(at)[1] == ("1", "Conv2D", "26×26×32", "320")
    assert summary(at)[3] == ("3", "Conv2D", "11×11×32", "9,248")  # 32 × (3×3×32) + 32
    assert metric(at, "Parameters") == "65,642"


def test_the_form_labels_settings_in_words_and_names_the_keras_argument_in_the_help() -> None:
    at = open_page(BUILD, preset="convnet")
    boxes = [at.number_input(key=f"build_edit_{key}") for key in ("filters_0", "kernel_size_0", "strides_1")]
    assert [box.label for box in boxes] == ["Filters", "Kernel size · rows", "Stride · cols"]
    assert boxes[0].help.endswith("Keras argument: `filters`.") and not boxes[2].help  # help on the first box
    assert at.selectbox(key="build_edit_activation_0").label == "Activation"
    assert at.checkbox(key="build_edit_use_bias_0").label == "Use bias"


def test_an_invalid_layer_shows_its_message_and_every_other_layer_stays() -> None:
    at = open_page(BUILD, preset="convnet")
    at.selectbox(key="build_edit_pos").set_value(3).run()
    at.number_input(key="build_edit_kernel_size_0").set_value(15)
    at.number_input(key="build_edit_kernel_size_1").set_value(15).run()
    expected = ('layer 3 (Conv2D): kernel 15×15 is larger than its 13×13×16 input; use kernel_size ≤ 13 or '
                'padding="same"')
    assert messages(at, "error") == [expected]
    rows = table_rows(at)
    assert len(rows) == 9
    assert rows[3][8].startswith("✗ kernel 15×15 is larger")
    assert summary(at)[1:3] == CONVNET_ROWS[1:3]  # layers before it keep their numbers
    assert [row[1] for row in rows[4:]] == ["MaxPooling2D", "Conv2D", "Flatten", "Dense", "Dense"]
    assert {row[8] for row in rows[4:]} == {"… its input is known once the layer above is fixed"}
    assert metric(at, "Parameters so far") == "160"
    assert at.number_input(key="build_edit_kernel_size_0").value == 15
    at.selectbox(key="build_edit_padding_0").set_value("same").run()
    assert not at.error and summary(at)[3] == ("3", "Conv2D", "13×13×32", "115,232")


CONVNET_TYPES = ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D", "Flatten", "Dense", "Dense"]


@pytest.mark.parametrize("typed, shown", [(1e9, "1,000,000,000"), (1e20, "100,000,000,000,000,000,000"),
                                           (0.0, "0"), (-5.0, "-5")])
def test_a_number_out_of_range_gets_the_same_message_whatever_its_size(typed: float, shown: str) -> None:
    """The whole-number boxes send what was typed (1e9 arrives as 1,000,000,000, never as 1), the layer gets
    exactly that, and the message is the one 0 and -5 get; the rest of the stack keeps its numbers."""
    at = open_page(BUILD, preset="convnet")
    at.number_input(key="build_edit_filters_0").set_value(typed).run()
    cap = " (the cap is 1,024)" if typed > 1024 else ""
    assert messages(at, "error") == [
        f"layer 1 (Conv2D): filters must be a whole number from 1 to 1,024, got {shown}{cap}; for example 32"]
    assert at.number_input(key="build_edit_filters_0").value == typed
    assert [row[1] for row in table_rows(at)] == ["Input", *CONVNET_TYPES]


def test_a_setting_left_empty_says_what_is_missing() -> None:
    at = open_page(BUILD, preset="convnet")
    at.number_input(key="build_edit_filters_0").set_value(None).run()
    assert messages(at, "error") == ['layer 1 (Conv2D): missing "filters" (how many kernels, e.g. 32)']


def test_layers_move_and_delete() -> None:
    at = open_page(BUILD, preset="convnet")
    at.selectbox(key="build_edit_pos").set_value(2).run()
    at.button(key="build_edit_up").click().run()
    assert summary(at)[1:3] == [("1", "MaxPooling2D", "14×14×1", "0"), ("2", "Conv2D", "12×12×16", "160")]
    assert at.selectbox(key="build_edit_pos").value == 1  # the selection follows the moved layer
    at.button(key="build_edit_delete").click().run()
    assert [row[1] for row in table_rows(at)[1:]] == ["Conv2D", "Conv2D", "MaxPooling2D", "Conv2D", "Flatten",
                                                      "Dense", "Dense"]
    at.selectbox(key="build_edit_pos").set_value(2).run()
    at.button(key="build_edit_down").click().run()
    assert summary(at)[2:4] == [("2", "MaxPooling2D", "13×13×16", "0"), ("3", "Conv2D", "11×11×32", "4,640")]


def test_changing_a_layer_type_starts_from_that_types_defaults() -> None:
    at = open_page(BUILD, preset="convnet")
    at.selectbox(key="build_edit_pos").set_value(2).run()
    at.selectbox(key="build_edit_type").set_value("AveragePooling2D").run()
    assert summary(at)[2] == ("2", "AveragePooling2D", "13×13×16", "0")
    at.selectbox(key="build_edit_type").set_value("Dropout").run()
    assert summary(at)[2] == ("2", "Dropout", "26×26×16", "0")
    assert at.number_input(key="build_edit_rate_0").value == 0.25


def test_the_stack_survives_a_refresh_and_the_link_is_not_applied_again(lab: Lab) -> None:
    at = open_page(BUILD, preset="convnet")
    owner = at.query_params["u"]
    at.number_input(key="build_edit_filters_0").set_value(32).run()
    assert lab.drafts.load(owner)["layers"][0]["filters"] == 32
    refreshed = open_page(BUILD, u=owner)  # the address bar after the first run: /Build?u=<token>
    assert metric(refreshed, "Parameters") == "65,642"
    assert refreshed.query_params == {"u": owner}


def test_another_student_has_their_own_stack() -> None:
    open_page(BUILD, preset="convnet")
    stranger = open_page(BUILD)
    assert metric(stranger, "Parameters") == "0"


@pytest.mark.parametrize("padding", [True, False])
def test_a_spec_link_opens_its_stack_with_or_without_padding(padding: bool) -> None:
    encoded = encode_spec_for_url(preset_spec("lenot"))
    encoded += "=" * (-len(encoded) % 4) if padding else ""
    at = open_page(BUILD, spec=encoded)
    assert metric(at, "Parameters") == "61,706"
    assert "spec" not in at.query_params


def test_the_share_link_carries_the_architecture_and_not_the_owner() -> None:
    at = open_page(BUILD, preset="convnet")
    link = next(code.value for code in at.code if "spec=" in code.value)
    assert link.startswith("/Build?spec=")
    assert "u=" not in link and at.query_params["u"] not in link
    assert decode_spec_from_url(link.split("spec=", 1)[1]) == spec_to_dict(preset_spec("convnet"))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(("query", "expected"), [
    ({"preset": "nope"}, 'There is no preset called "nope"; the presets are convnet, lenot'),
    ({"preset": "<script>alert(1)</script>"}, "There is no preset called"),
    ({"preset": ""}, 'There is no preset called ""'),
    ({"spec": "%%%not base64%%%"}, "This link's stack could not be opened: spec link:"),
    ({"spec": _b64("{not json")}, "not valid JSON"),
    ({"spec": _b64("[1, 2, 3]")}, "a stack must be a JSON object"),
    ({"spec": _b64('{"layers": 5}')}, '"layers" must be a list of layer objects, got 5'),
    ({"spec": _b64(json.dumps({"layers": [{"type": "Flatten"}] * (MAX_LAYERS + 1)}))}, "cap of 40"),
    ({"spec": _b64("[" * 5000 + "]" * 5000)}, "nested more than"),
    ({"spec": ""}, "This link's stack could not be opened"),
])
def test_a_bad_link_gives_a_clear_message_and_an_empty_stack(query: dict[str, str], expected: str) -> None:
    at = open_page(BUILD, **query)
    assert not at.exception
    errors = messages(at, "error")
    assert len(errors) == 1 and expected in errors[0]
    assert "unchanged" in errors[0]
    assert metric(at, "Parameters") == "0"
    assert set(at.query_params) == {"u"}


def test_a_link_longer_than_a_browser_query_is_ignored_without_an_error() -> None:
    at = open_page(BUILD, spec="A" * 600_000)  # Streamlit drops query strings over 524,288 characters
    assert not at.exception and not at.error
    assert metric(at, "Parameters") == "0"


def test_a_bad_link_leaves_the_students_own_stack_alone() -> None:
    owner = open_page(BUILD, preset="lenot").query_params["u"]
    at = open_page(BUILD, u=owner, spec="garbage!")
    assert messages(at, "error")[0].startswith("This link's stack could not be opened")
    assert metric(at, "Parameters") == "61,706"


def test_a_link_with_bad_layers_opens_them_with_their_messages() -> None:
    document = {"input_shape": [28, 28, 1], "layers": [
        {"type": "Conv2D", "filters": "sixteen", "kernel_size": 3}, {"type": "Conv3D"}, {"type": "Flatten"}]}
    at = open_page(BUILD, spec=_b64(json.dumps(document)))
    errors = messages(at, "error")
    assert errors[0].startswith(
        'layer 1 (Conv2D): filters must be a whole number from 1 to 1,024, got "sixteen"')
    assert errors[1].startswith('layer 2 (Conv3D): unknown layer type "Conv3D"')
    assert [row[1] for row in table_rows(at)] == ["Input", "Conv2D", "Conv3D", "Flatten"]
    at.selectbox(key="build_edit_pos").set_value(2).run()
    assert at.selectbox(key="build_edit_type").value is None
    at.selectbox(key="build_edit_type").set_value("MaxPooling2D").run()
    assert [e for e in messages(at, "error") if e.startswith("layer 2")] == []


def test_user_text_is_shown_literally_never_as_markup() -> None:
    name = '<img src=x onerror=alert(1)> [link](http://x) **b**'
    document = {"name": name, "layers": [{"type": "![img](http://example.com/x.png)"}]}
    at = open_page(BUILD, spec=_b64(json.dumps(document)))
    markdown_everywhere = [e.value for e in (*at.markdown, *at.error, *at.warning, *at.success, *at.caption)]
    markdown_everywhere += [cell for row in at.table[0].value.itertuples(index=False) for cell in row]
    for text in markdown_everywhere:
        assert "](" not in text and "<img" not in text, text
    assert at.text_input(key="build_name").value == name[:60]


def test_keras_code_and_downloads_are_offered_for_a_valid_stack() -> None:
    at = open_page(BUILD, preset="convnet")
    code = next(c.value for c in at.code if c.language == "python")
    assert 'model.add(layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu"))' in code
    labels = [b.label for b in at.download_button]
    assert labels == ["Download the stack (JSON)", "Download the Keras code (.py)"]


def test_an_invalid_stack_can_still_be_downloaded_but_has_no_code() -> None:
    at = open_page(BUILD, spec=_b64('{"layers": [{"type": "Dense"}]}'))
    assert [b.label for b in at.download_button] == ["Download the stack (JSON)"]
    assert "The Keras code appears once the stack has no problems." in messages(at, "info")


def _upload(at, name: str, data: bytes):
    at.file_uploader[0].upload(name, data)
    return at.run()


def test_uploading_a_spec_json_opens_it_and_garbage_changes_nothing() -> None:
    at = open_page(BUILD, preset="convnet")
    _upload(at, "lenot.json", json.dumps(spec_to_dict(preset_spec("lenot"))).encode())
    assert metric(at, "Parameters") == "61,706"
    _upload(at, "photo.json", b"\x89PNG\r\n\x1a\n\x00\xff")
    assert messages(at, "error") == ['"photo.json" could not be opened: "photo.json": not UTF-8 text '
                                     "(is it a binary file?). Your stack is unchanged."]
    assert metric(at, "Parameters") == "61,706"
    at.button(key="build_bring_back").click().run()
    assert metric(at, "Parameters") == "60,874"


def _h5_with_config(config: dict) -> bytes:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        handle.attrs["model_config"] = json.dumps(config)
    return buffer.getvalue()


def _sequential(*layers: dict) -> dict:
    return {"class_name": "Sequential", "config": {"name": "uploaded", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 28, 28, 1]}}, *layers]}}


def test_opening_a_model_file_shows_its_stack() -> None:
    at = open_page(BUILD)
    model = _sequential(
        {"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": [3, 3], "activation": "relu"}},
        {"class_name": "Flatten", "config": {}},
        {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}},
    )
    _upload(at, "model.h5", _h5_with_config(model))
    assert summary(at)[1:] == [("1", "Conv2D", "26×26×4", "40"), ("2", "Flatten", "2,704", "0"),
                               ("3", "Dense", "10", "27,050")]
    assert at.text_input(key="build_name").value == "uploaded"


def test_a_model_file_with_a_lambda_layer_is_refused_by_name() -> None:
    at = open_page(BUILD, preset="convnet")
    model = _sequential({"class_name": "Lambda", "config": {"function": ["4wEAAAAAAAAA", None, None]}})
    _upload(at, "evil.h5", _h5_with_config(model))
    errors = messages(at, "error")
    assert len(errors) == 1 and "layer 1 (Lambda): Lambda layers contain Python code" in errors[0]
    assert metric(at, "Parameters") == "60,874"


def test_every_widget_has_its_own_key() -> None:
    at = open_page(BUILD, preset="convnet")
    widgets = [*at.number_input, *at.selectbox, *at.button, *at.text_input, *at.checkbox]
    assert all(w.key for w in widgets)
    assert shown(at.title[0].value) == "Build"


def test_a_failing_disk_is_an_error_message_not_a_traceback(lab: Lab,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(BUILD, preset="convnet")

    def disk_full(owner: str, stack: dict) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lab.drafts, "save", disk_full)
    at.number_input(key="build_edit_filters_0").set_value(32).run()
    assert not at.exception
    assert messages(at, "error") == [
        "Your change could not be saved on the server (OSError); your stack is as shown. Try again, and if "
        "it keeps failing tell your teacher (the server's disk may be full)."]
    assert metric(at, "Parameters") == "60,874"
