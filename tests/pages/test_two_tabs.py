"""Two tabs on one student's stack (AppTest sessions with the same address): an edit, move or delete drawn
for a layer that another tab has since moved is refused with a message, never applied to another layer;
Undo takes back the last changes."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from cnnlab.core.presets import preset_spec
from cnnlab.core.stack_doc import stack_from_spec
from cnnlab.lab import running_lab
from cnnlab.testing.apptest import BUILD, messages, open_page

STALE = "Your stack changed in another tab — here it is now."
CONVNET = stack_from_spec(preset_spec("convnet"))
WITHOUT_FIRST = CONVNET | {"layers": CONVNET["layers"][1:]}


def saved_stack(owner: str) -> dict:
    """The owner's stack as the server keeps it."""
    return running_lab().drafts.load(owner)


def two_tabs_on_layer_5() -> tuple[AppTest, AppTest, str]:
    """Tab A shows layer 5 (the last Conv2D) in "Edit a layer"; tab B then deletes layer 1."""
    tab_a = open_page(BUILD, preset="convnet")
    owner = tab_a.query_params["u"]
    tab_a.selectbox(key="build_edit_pos").set_value(5).run()
    tab_b = open_page(BUILD, u=owner)
    tab_b.button(key="build_edit_delete").click().run()  # layer 1 is selected there
    assert saved_stack(owner) == WITHOUT_FIRST
    return tab_a, tab_b, owner


def test_an_edit_drawn_before_another_tab_deleted_a_layer_is_refused() -> None:
    tab_a, _, owner = two_tabs_on_layer_5()
    tab_a.number_input(key="build_edit_filters_0").set_value(48).run()
    assert messages(tab_a, "warning") == [STALE]
    assert saved_stack(owner) == WITHOUT_FIRST  # neither the Flatten nor anything else got filters=48
    assert tab_a.selectbox(key="build_edit_pos").value == 5  # now shown as it is: the Flatten
    assert tab_a.selectbox(key="build_edit_type").value == "Flatten"


def test_a_delete_or_move_drawn_before_another_tabs_change_is_refused() -> None:
    tab_a, _, owner = two_tabs_on_layer_5()
    tab_a.button(key="build_edit_delete").click().run()
    assert messages(tab_a, "warning") == [STALE]
    assert saved_stack(owner) == WITHOUT_FIRST
    tab_a.button(key="build_edit_delete").click().run()  # pressed again on the stack as it is now: applies
    assert STALE not in messages(tab_a, "warning")
    assert [layer["type"] for layer in saved_stack(owner)["layers"]] == [
        "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D", "Dense", "Dense"]


def test_a_move_after_another_tabs_change_is_refused_and_this_tabs_own_changes_go_through() -> None:
    tab_a, tab_b, owner = two_tabs_on_layer_5()
    tab_a.button(key="build_edit_up").click().run()
    assert messages(tab_a, "warning") == [STALE] and saved_stack(owner) == WITHOUT_FIRST
    tab_b.run()  # tab B made the last change: its controls are current
    tab_b.button(key="build_edit_down").click().run()
    assert STALE not in messages(tab_b, "warning")
    assert [layer["type"] for layer in saved_stack(owner)["layers"]][:2] == ["Conv2D", "MaxPooling2D"]


def test_undo_takes_back_deletes_moves_edits_and_a_preset() -> None:
    at = open_page(BUILD, preset="convnet")
    owner = at.query_params["u"]
    assert at.button(key="build_undo").proto.disabled  # the preset filled a new student's empty stack
    at.number_input(key="build_edit_filters_0").set_value(32).run()
    at.button(key="build_edit_down").click().run()
    at.button(key="build_edit_delete").click().run()
    at.selectbox(key="build_preset").set_value("lenot").run()
    at.button(key="build_open_preset").click().run()
    assert saved_stack(owner)["name"] == "lenot"
    for _ in range(3):  # the preset, the delete, the move
        at.button(key="build_undo").click().run()
    assert messages(at, "success") == ["Undid your last change."]
    assert saved_stack(owner)["layers"][0]["filters"] == 32
    at.button(key="build_undo").click().run()
    assert saved_stack(owner) == CONVNET
