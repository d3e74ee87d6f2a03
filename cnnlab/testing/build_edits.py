"""A student's round of edits on the Build page, as the load and CPU benchmarks replay it over the browser's
protocol: pick the first layer, change its filters, choose Dense in "Add a layer", its units and where it
goes, add it, pick it, delete it. Three of the eight change the stack; five are choices within a panel."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cnnlab.core.stack_doc import Stack, delete_layer, insert_layer, set_setting
from cnnlab.testing.streamlit_client import StreamlitSession

FILTERS = (8, 16, 24, 32, 48, 64)
UNITS = (16, 32, 48, 64, 128)
DENSE_POSITION = 8  # before the convnet's last Dense(10): the stack stays trainable


@dataclass(frozen=True)
class Edit:
    """One action: its label, the widget values it sends (read off the page when it is sent), the button
    it presses, and the stack it leaves (None: the stack stays as it is)."""

    label: str
    values: Callable[[StreamlitSession], Mapping[str, object]]
    click: str | None = None
    stack: Stack | None = None


def edit_round(stack: Stack, filters: int, units: int) -> list[Edit]:
    """The round of edits on the convnet `stack`, with the first Conv2D's new `filters` and the added
    Dense layer's `units`."""
    with_filters = set_setting(stack, 1, "filters", filters)
    with_dense = insert_layer(with_filters, DENSE_POSITION, {"type": "Dense", "units": units})
    return [
        Edit("pick layer 1", lambda session: {"build_edit_pos": session.option("build_edit_pos", 0)}),
        Edit(f"filters → {filters}", lambda _: {"build_edit_filters_0": filters}, stack=with_filters),
        Edit("choose Dense", lambda _: {"build_add_type": "Dense"}),
        Edit(f"units → {units}", lambda _: {"build_add_Dense_units_0": units}),
        Edit("insert position",
             lambda session: {"build_add_pos": session.option("build_add_pos", DENSE_POSITION - 1)}),
        Edit("add layer", lambda _: {}, click="build_add_button", stack=with_dense),
        Edit(f"pick layer {DENSE_POSITION}",
             lambda session: {"build_edit_pos": session.option("build_edit_pos", DENSE_POSITION - 1)}),
        Edit("delete layer", lambda _: {}, click="build_edit_delete", stack=delete_layer(with_dense,
                                                                                         DENSE_POSITION)),
    ]
