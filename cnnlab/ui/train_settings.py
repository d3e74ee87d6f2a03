"""The Train form's optional settings and where the form starts: the recipe a just-opened preset suggests
(the fast preset's), the learning-rate schedule and the optimizer's own settings, and what a submit sends.

Every field lives in `st.session_state` under `train_<setting>` (e.g. `train_beta_1`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import streamlit as st

from cnnlab.core import hyper
from cnnlab.core.hyper import CLASS_DEMO, Schedule, TrainConfig, without_unused
from cnnlab.core.optimizer_args import ONE_CYCLE_START
from cnnlab.ui.challenge_view import FILLED

DEFAULTS = CLASS_DEMO
SETTINGS = tuple(field.name for field in fields(TrainConfig))
_SUGGESTION = "train_suggestion"


@dataclass(frozen=True)
class Suggestion:
    """Training settings a preset suggests, and whose they are (None: the page's own defaults)."""

    config: TrainConfig
    preset_title: str | None


def key(setting: str) -> str:
    """The session-state key of a setting's form field: "beta_1" → "train_beta_1"."""
    return f"train_{setting}"


def suggest(training: TrainConfig | None, preset_title: str) -> None:
    """Remember, for the Train form's next run, the settings of the preset just opened: its own recipe if it
    carries one, else the page's defaults (so a recipe never lingers on a stack it was not made for)."""
    own = training is not None
    st.session_state[_SUGGESTION] = Suggestion(training or DEFAULTS, preset_title if own else None)


def take_suggestion() -> Suggestion | None:
    """The pending suggestion, once: the form's fields are cleared so that they start from it, and an active
    challenge fills in its values again over it (`challenge_view.fill_train_form`)."""
    suggestion = st.session_state.pop(_SUGGESTION, None)
    if suggestion is not None:
        for setting in SETTINGS:
            st.session_state.pop(key(setting), None)
        st.session_state.pop(FILLED, None)
    return suggestion


def form_values() -> dict:
    """The form's settings for `parse_train_config`, without those its optimizer and schedule do not use."""
    return without_unused({setting: st.session_state[key(setting)] for setting in SETTINGS
                           if key(setting) in st.session_state})


def render_optional_settings(start: TrainConfig, on_change: Mapping[str, object]) -> None:
    """The learning-rate schedule and the optimizer's own settings (Keras's defaults) in an expander, starting
    from `start`; `on_change` are the other fields' change handler and its arguments."""
    with st.expander("Learning-rate schedule and optimizer settings"):
        schedule, warmup, final = st.columns(3)
        schedule.selectbox("Schedule", [str(s) for s in Schedule], key=key("schedule"),
                           index=list(Schedule).index(start.schedule), **on_change,
                           help=f"constant: the same rate at every step. one-cycle: climbs from "
                                f"{ONE_CYCLE_START:g} × the learning rate to it, then falls along a half "
                                "cosine. cosine: falls from the learning rate along a half cosine.")
        warmup.number_input("Warm-up fraction", 0.0, hyper.MAX_WARMUP_FRACTION, start.warmup_fraction,
                            step=0.05, key=key("warmup_fraction"), **on_change,
                            help="one-cycle only: the share of all steps in which the rate climbs.")
        final.number_input("Final fraction", 0.0, 1.0, start.final_fraction, step=0.05,
                           key=key("final_fraction"), **on_change,
                           help="one-cycle and cosine: the last step's rate as a fraction of the learning "
                                "rate.")
        beta_1, beta_2, momentum = st.columns(3)
        beta_1.number_input("Beta 1", 0.0, 0.999, start.beta_1, step=0.05, format="%.3f", key=key("beta_1"),
                            **on_change, help="adam, adamw, nadam, adamax: how slowly the running mean of "
                                              "the gradients forgets (Keras's default 0.9).")
        beta_2.number_input("Beta 2", 0.0, 0.9999, start.beta_2, step=0.001, format="%.4f", key=key("beta_2"),
                            **on_change, help="the same optimizers: the running mean of the squared "
                                              "gradients (Keras's default 0.999).")
        momentum.number_input("Momentum", 0.0, 0.999, start.momentum, step=0.05, format="%.3f",
                              key=key("momentum"), **on_change,
                              help="sgd only: the share of the previous step added to the next (Keras's "
                                   "default 0).")
        st.caption("Settings that the chosen optimizer or schedule does not use are left out of the run.")
