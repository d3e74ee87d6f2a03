"""The Build page's controls: name and input, presets, "Add a layer", "Edit a layer".

Every control changes the owner's saved stack in a widget callback (callbacks run before the page script),
so the page then simply reads the stack back and shows it. Edit widgets take their values from the saved
stack on every run, so they always show the selected layer as it is, even after a change in another tab.

"Add a layer" and "Edit a layer" are drawn in fragments (`build_parts`): their callbacks end with
`shown_stack.redraw`, which reruns only the parts of the page that show the stack.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import streamlit as st

from cnnlab.core.layer_fields import (
    BOX_LABELS,
    WHOLE_NUMBER_KINDS,
    boxes_from_raw,
    default_layer,
    layer_from_boxes,
    raw_from_boxes,
    typed_number,
    whole_or_none,
)
from cnnlab.core.layer_types.registry import LAYER_TYPES
from cnnlab.core.layer_types.settings import BoxValue, Field, FieldKind
from cnnlab.core.layers import MAX_NAME_LENGTH
from cnnlab.core.presets import PRESETS
from cnnlab.core.stack_doc import (
    Stack,
    StackRefused,
    delete_layer,
    empty_stack,
    insert_layer,
    layers_of,
    move_layer,
    replace_layer,
    set_setting,
    stack_from_spec,
)
from cnnlab.core.text import plain
from cnnlab.lab import running_lab
from cnnlab.ui import build_feedback, layer_explainer, train_settings
from cnnlab.ui.session import Level, flash
from cnnlab.ui.shown_stack import ShownStack, redraw

ADD = "build_add"
EDIT = "build_edit"
EDIT_POSITION = "build_edit_pos"
ADD_POSITION = "build_add_pos"
PREVIOUS = "build_previous"
OWN_VERSION = "build_own_version"  # the stack version this tab saved last
STALE = "Your stack changed in another tab — here it is now."


# ---------------------------------------------------------------------------------- changing the stack


SAVE_FAILED = ("Your change could not be saved on the server ({error}); your stack is as shown. Try again, "
               "and if it keeps failing tell your teacher (the server's disk may be full).")


def _save(owner: str, stack: Stack) -> bool:
    """Store the owner's stack; a failing disk becomes an error message instead of a traceback."""
    try:
        st.session_state[OWN_VERSION] = running_lab().drafts.save(owner, stack)
    except OSError as error:
        flash(Level.error, plain(SAVE_FAILED.format(error=type(error).__name__)))
        return False
    return True


def stack_is_as_drawn(owner: str, drawn: int) -> bool:
    """True when the owner's stack is still the version the page drew its controls for (or its newest
    change came from this tab). Otherwise another tab changed it: say so and refuse, so that an edit never
    lands on a layer other than the one on screen; the page then shows the stack as it is now."""
    if running_lab().drafts.version(owner) in (drawn, st.session_state.get(OWN_VERSION)):
        return True
    flash(Level.warning, STALE)
    return False


def change_stack(owner: str, change: Callable[[Stack], Stack]) -> bool:
    """Apply one edit to the owner's saved stack; True when saved. An edit refused at a cap (or a failing
    disk) becomes an error message."""
    try:
        return _save(owner, change(running_lab().drafts.current(owner)))
    except StackRefused as refusal:
        flash(Level.error, plain(str(refusal)))
        return False


def replace_stack(owner: str, stack: Stack, message: str) -> None:
    """Make `stack` the owner's whole stack, keeping the one it replaces for "Bring back my previous stack"
    (a preset, link or upload must never silently lose a student's work)."""
    previous = running_lab().drafts.current(owner)
    if not _save(owner, stack):
        return
    if layers_of(previous):
        st.session_state[PREVIOUS] = previous
    st.session_state.pop(EDIT_POSITION, None)
    flash(Level.success, message)


def _bring_back(owner: str) -> None:
    previous = st.session_state.pop(PREVIOUS, None)
    if previous is not None and _save(owner, previous):
        flash(Level.success, "Your previous stack is back.")


def _undo(owner: str) -> None:
    try:
        version = running_lab().drafts.undo(owner)
    except OSError as error:
        flash(Level.error, plain(SAVE_FAILED.format(error=type(error).__name__)))
        return
    if version is not None:
        st.session_state[OWN_VERSION] = version
        flash(Level.success, "Undid your last change.")
    st.rerun()  # the whole page: Undo may take back a name or an input shape too


def render_undo(owner: str, steps: int) -> None:
    """Undo the last change to the stack (an edit, move, delete, added layer, or a preset, link or upload
    that replaced it), up to the last few (`steps` of them now), kept on the server with the stack."""
    st.button("Undo", key="build_undo", icon=":material/undo:", disabled=steps == 0, on_click=_undo,
              args=(owner,), help=f"Takes back your last change ({steps} can be undone).")


def render_bring_back(owner: str) -> None:
    """After a preset, link or upload replaced the stack: a button to undo that once."""
    if PREVIOUS in st.session_state:
        st.button("Bring back my previous stack", key="build_bring_back", icon=":material/undo:",
                  on_click=_bring_back, args=(owner,))


# ---------------------------------------------------------------------------------------- form widgets


def _box_key(prefix: str, field: Field, index: int) -> str:
    return f"{prefix}_{field.key}_{index}"


def _read_boxes(prefix: str, field: Field) -> tuple[BoxValue, ...]:
    count = len(BOX_LABELS[field.kind])
    return tuple(typed_number(st.session_state.get(_box_key(prefix, field, index)))
                 for index in range(count))


def _box_value(field: Field, box: BoxValue) -> BoxValue:
    """What a field's widget holds for `box`: whole-number boxes hold floats (see `_whole_box`)."""
    return float(box) if field.kind in WHOLE_NUMBER_KINDS and isinstance(box, int) else box


def _whole_box(label: str, **options: Any) -> None:
    """A number box for a whole number. It is a float box shown without decimals: an integer box would turn
    a typed 1e9 into 1 in the browser, and refuse numbers past 2**53, before the server ever saw them."""
    st.number_input(label, value=None, step=1.0, format="%.0f", **options)


def _show(key: str, value: Any) -> None:
    """Make widget `key` show `value` on this run (set before the widget is drawn)."""
    if key not in st.session_state or st.session_state[key] != value:
        st.session_state[key] = value


def _field_widgets(prefix: str, field: Field, on_change: Callable[..., None] | None = None,
                   args: tuple[Any, ...] = ()) -> None:
    """The input boxes of one field, side by side; their values live in session state under `prefix`."""
    labels = BOX_LABELS[field.kind]
    columns = st.columns(len(labels)) if len(labels) > 1 else [nullcontext()]  # a column costs a block
    for index, (column, box) in enumerate(zip(columns, labels, strict=True)):
        label = f"{field.label} · {box}" if box else field.label
        options: dict[str, Any] = {"key": _box_key(prefix, field, index), "on_change": on_change,
                                   "args": args, "help": field.form_help if index == 0 else None}
        with column:
            if field.kind == FieldKind.choice:
                st.selectbox(label, field.choices, index=None, placeholder="choose", **options)
            elif field.kind == FieldKind.flag:
                st.checkbox(label, **options)
            elif field.kind == FieldKind.fraction:
                st.number_input(label, value=None, step=0.05, format="%.3f", **options)
            else:
                blank = "pool size" if field.kind == FieldKind.optional_pair else "required"
                _whole_box(label, placeholder=blank, **options)


# -------------------------------------------------------------------------------- name, input, presets


def _set_name(owner: str) -> None:
    name = st.session_state.get("build_name") or ""
    change_stack(owner, lambda stack: stack | {"name": name})


def _set_input(owner: str) -> None:
    shape = [typed_number(st.session_state.get(f"build_input_{i}")) for i in range(3)]
    change_stack(owner, lambda stack: stack | {"input_shape": shape})


def _input_parts(value: object) -> list[float | None]:
    """The three input boxes from the stack's input_shape; a value that is not a whole number shows empty."""
    if isinstance(value, list | tuple) and len(value) == 3:
        return [None if side is None else float(side) for side in map(whole_or_none, value)]
    return [None, None, None]


def render_name_and_input(owner: str, stack: Stack) -> None:
    """The stack's name and input shape (height, width, channels)."""
    name = stack.get("name")
    _show("build_name", name[:MAX_NAME_LENGTH] if isinstance(name, str) else "")
    for index, side in enumerate(_input_parts(stack.get("input_shape"))):
        _show(f"build_input_{index}", side)
    name_column, *side_columns = st.columns([3, 1, 1, 1])
    name_column.text_input("Name", key="build_name", on_change=_set_name, args=(owner,),
                           max_chars=MAX_NAME_LENGTH,
                           help="Used in file names and the Keras model name; letters, digits, - and _ "
                                "work best.")
    labels = ("input height", "input width", "input channels")
    for index, (column, label) in enumerate(zip(side_columns, labels, strict=True)):
        with column:
            _whole_box(label, key=f"build_input_{index}", on_change=_set_input, args=(owner,),
                       help="MNIST digits are 28 × 28 × 1 (one grey channel).")


def open_preset(owner: str, name: str) -> None:
    """Make the preset `name` (a key of `PRESETS`) the owner's stack, as `replace_stack` does."""
    preset = PRESETS[name]
    replace_stack(owner, stack_from_spec(preset.spec), plain(f"Opened the preset {preset.title}."))
    train_settings.suggest(preset.training, preset.title)


def _open_chosen_preset(owner: str) -> None:
    open_preset(owner, st.session_state["build_preset"])


def _clear(owner: str) -> None:
    replace_stack(owner, empty_stack(), "Started an empty stack.")


def render_presets(owner: str) -> None:
    """Pick a ready-made stack (with what it teaches), or start empty."""
    name = st.selectbox("Preset", list(PRESETS), key="build_preset", format_func=lambda n: PRESETS[n].title)
    st.caption(PRESETS[name].description)
    open_column, clear_column = st.columns(2)
    open_column.button("Open this preset", key="build_open_preset", on_click=_open_chosen_preset,
                       args=(owner,), icon=":material/file_open:",
                       help="Replaces your stack (you can bring it back).")
    clear_column.button("Start an empty stack", key="build_clear", on_click=_clear, args=(owner,),
                        icon=":material/delete_sweep:")


# ----------------------------------------------------------------------------------------- add a layer


def _add(owner: str, drawn: int) -> None:
    if stack_is_as_drawn(owner, drawn):
        _insert_chosen(owner)
    redraw(owner)


def _insert_chosen(owner: str) -> None:
    """Insert the layer set up in "Add a layer" where it says."""
    layer_type = st.session_state[f"{ADD}_type"]
    prefix = f"{ADD}_{layer_type}"
    fields = LAYER_TYPES[layer_type].fields
    layer = layer_from_boxes(layer_type, {f.key: _read_boxes(prefix, f) for f in fields})
    position = st.session_state.get(ADD_POSITION, 1)
    if change_stack(owner, lambda stack: insert_layer(stack, position, layer)):
        st.session_state[ADD_POSITION] = position + 1
        st.session_state[EDIT_POSITION] = position
        flash(Level.success, f"Added {layer_type} as layer {position}.")


def _insert_label(position: int, layers: list[object]) -> str:
    if position > len(layers):
        return f"at the end (layer {position})"
    return f"before layer {position} ({_type_of(layers[position - 1]) or '?'})"


def render_add(owner: str, shown: ShownStack) -> None:
    """Choose a type, then only that type's settings (Keras's defaults filled in, except where the type
    starts a hidden layer otherwise: Conv2D and Dense with relu), and where to insert it."""
    layer_type = st.selectbox("Layer type", list(LAYER_TYPES), key=f"{ADD}_type")
    kind = LAYER_TYPES[layer_type]
    st.caption(kind.help)
    prefix = f"{ADD}_{layer_type}"
    for field in kind.fields:
        for index, box in enumerate(kind.add_form_start.get(field.key, field.default)):
            st.session_state.setdefault(_box_key(prefix, field, index), _box_value(field, box))
        _field_widgets(prefix, field)
    layers = layers_of(shown.stack)
    positions = list(range(1, len(layers) + 2))
    if st.session_state.get(ADD_POSITION) not in positions:
        st.session_state[ADD_POSITION] = positions[-1]
    st.selectbox("Insert", positions, key=ADD_POSITION, format_func=lambda p: _insert_label(p, layers))
    st.button("Add layer", key=f"{ADD}_button", type="primary", icon=":material/add:", on_click=_add,
              args=(owner, shown.draft.version))


# ---------------------------------------------------------------------------------------- edit a layer


def _type_of(layer: object) -> str | None:
    """The layer's registered type name, or None (missing, not text, or no layer type of that name)."""
    kind = layer.get("type") if isinstance(layer, dict) else None
    return kind if isinstance(kind, str) and kind in LAYER_TYPES else None


def _change_type(owner: str, position: int, drawn: int) -> None:
    chosen = st.session_state.get(f"{EDIT}_type")
    if chosen in LAYER_TYPES and stack_is_as_drawn(owner, drawn):
        change_stack(owner, lambda stack: replace_layer(stack, position, default_layer(chosen)))
    redraw(owner)


def _change_field(owner: str, position: int, field: Field, drawn: int) -> None:
    if stack_is_as_drawn(owner, drawn):
        value = raw_from_boxes(field, _read_boxes(EDIT, field))
        change_stack(owner, lambda stack: set_setting(stack, position, field.key, value))
    redraw(owner)


def _move(owner: str, position: int, offset: int, drawn: int) -> None:
    if stack_is_as_drawn(owner, drawn):
        change_stack(owner, lambda stack: move_layer(stack, position, offset))
        st.session_state[EDIT_POSITION] = position + offset
    redraw(owner)


def _delete(owner: str, position: int, drawn: int) -> None:
    if stack_is_as_drawn(owner, drawn):
        change_stack(owner, lambda stack: delete_layer(stack, position))
        st.session_state[EDIT_POSITION] = max(position - 1, 1)
    redraw(owner)


def render_edit(owner: str, shown: ShownStack) -> None:
    """Pick a layer; change its type or settings (applied at once), move it up or down, or delete it."""
    layers = layers_of(shown.stack)
    if not layers:
        st.info("The stack is empty: add a layer, or open a preset.")
        return
    positions = list(range(1, len(layers) + 1))
    if st.session_state.get(EDIT_POSITION) not in positions:
        st.session_state[EDIT_POSITION] = 1
    position = st.selectbox("Layer", positions, key=EDIT_POSITION,
                            format_func=lambda p: f"{p} · {_type_of(layers[p - 1]) or 'unknown type'}",
                            on_change=layer_explainer.follow_choice, args=(EDIT_POSITION,))
    layer = layers[position - 1]
    kind = _type_of(layer)
    drawn = shown.draft.version  # every control below acts only on this version of the stack
    _show(f"{EDIT}_type", kind)
    st.selectbox("Type", list(LAYER_TYPES), index=None, key=f"{EDIT}_type", placeholder="choose a layer type",
                 on_change=_change_type, args=(owner, position, drawn),
                 help="Changing the type starts from its defaults.")
    if kind is not None:
        for field in LAYER_TYPES[kind].fields:
            for index, box in enumerate(boxes_from_raw(field, layer)):
                _show(_box_key(EDIT, field, index), _box_value(field, box))
            _field_widgets(EDIT, field, on_change=_change_field, args=(owner, position, field, drawn))
    build_feedback.render_layer_summary(shown.analysis, position)
    with st.container(horizontal=True, key=f"{EDIT}_moves"):  # wraps on a narrow screen, never cuts a label
        _move_buttons(owner, position, len(layers), drawn)


def _move_buttons(owner: str, position: int, count: int, drawn: int) -> None:
    """Move up, Move down and Delete for the layer at `position` of `count`."""
    st.button("Move up", key=f"{EDIT}_up", icon=":material/arrow_upward:", disabled=position == 1,
              on_click=_move, args=(owner, position, -1, drawn))
    st.button("Move down", key=f"{EDIT}_down", icon=":material/arrow_downward:",
              disabled=position == count, on_click=_move, args=(owner, position, 1, drawn))
    st.button("Delete", key=f"{EDIT}_delete", icon=":material/delete:", on_click=_delete,
              args=(owner, position, drawn))
