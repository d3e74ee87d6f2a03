"""The Train form's values: where they start (the page's defaults, or the recipe a just-opened preset
suggests), the optional schedule and optimizer fields, and what a submit sends.

Every field lives in `st.session_state` under `train_<setting>` (e.g. `train_beta_1`); the widgets take their
values from there, so a preset's recipe can fill them in before the form is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

import streamlit as st

from cnnlab.core import hyper
from cnnlab.core.hyper import CLASS_DEMO, Schedule, TrainConfig, without_unused
from cnnlab.core.optimizer_args import ONE_CYCLE_START

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


def prepare_form() -> Suggestion | None:
    """Give every field its starting value before the form is drawn: a pending suggestion replaces them all,
    else each keeps what the student set, else the default. Returns the suggestion applied, if any."""
    suggestion = st.session_state.pop(_SUGGESTION, None)
    for setting in SETTINGS:
        value = getattr(suggestion.config if suggestion else DEFAULTS, setting)
        value = str(value) if isinstance(value, StrEnum) else value
        if suggestion is not None:
            st.session_state[key(setting)] = value
        else:
            st.session_state.setdefault(key(setting), value)
    return suggestion


def form_values() -> dict:
    """The form's settings for `parse_train_config`, without those its optimizer and schedule do not use."""
    return without_unused({setting: st.session_state[key(setting)] for setting in SETTINGS})


def render_optional_settings() -> None:
    """The learning-rate schedule and the optimizer's own settings (Keras's defaults), inside the form."""
    with st.expander("Learning-rate schedule and optimizer settings"):
        schedule, warmup, final = st.columns(3)
        schedule.selectbox("Schedule", [str(s) for s in Schedule], key=key("schedule"),
                           help=f"constant: the same rate at every step. one-cycle: climbs from "
                                f"{ONE_CYCLE_START:g} × the learning rate to it, then falls along a half "
                                "cosine. cosine: falls from the learning rate along a half cosine.")
        warmup.number_input("Warm-up fraction", 0.0, hyper.MAX_WARMUP_FRACTION, step=0.05,
                            key=key("warmup_fraction"),
                            help="one-cycle only: the share of all steps in which the rate climbs.")
        final.number_input("Final fraction", 0.0, 1.0, step=0.05, key=key("final_fraction"),
                           help="one-cycle and cosine: the last step's rate as a fraction of the learning "
                                "rate.")
        beta_1, beta_2, momentum = st.columns(3)
        beta_1.number_input("Beta 1", 0.0, 0.999, step=0.05, format="%.3f", key=key("beta_1"),
                            help="adam, adamw, nadam, adamax: how slowly the running mean of the gradients "
                                 "forgets (Keras's default 0.9).")
        beta_2.number_input("Beta 2", 0.0, 0.9999, step=0.001, format="%.4f", key=key("beta_2"),
                            help="the same optimizers: the running mean of the squared gradients (Keras's "
                                 "default 0.999).")
        momentum.number_input("Momentum", 0.0, 0.999, step=0.05, format="%.3f", key=key("momentum"),
                              help="sgd only: the share of the previous step added to the next (Keras's "
                                   "default 0).")
        st.caption("Settings that the chosen optimizer or schedule does not use are left out of the run.")
