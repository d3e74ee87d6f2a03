"""The active challenge on student pages: the banner, Build's live check of each limit, and the Train form
filled in with the challenge's epochs, images and locked settings (the job manager enforces them all)."""

from __future__ import annotations

import streamlit as st

from cnnlab.classroom.challenges import SetChallenge
from cnnlab.core.arithmetic import Analysis
from cnnlab.core.challenge import describe_limits, stack_checks
from cnnlab.core.text import plain

FILLED = "class_filled_challenge"  # id of the challenge whose values the Train form last took
_FORM_KEYS = {"epochs": "train_epochs", "train_images": "train_train_size"}


def render_banner(entry: SetChallenge | None) -> None:
    """The active challenge: title, its line of text and its limits (nothing when none is active)."""
    if entry is None or not entry.active:
        return
    challenge = entry.challenge
    limits = " · ".join(describe_limits(challenge)) or "no limits"
    text = f" — {plain(challenge.text)}" if challenge.text else ""
    st.info(f"**Challenge: {plain(challenge.title)}**{text}  \n{plain(limits)}", icon=":material/flag:")


def render_stack_checks(entry: SetChallenge | None, analysis: Analysis) -> None:
    """Each stack limit of the active challenge against the stack as it is now, e.g. "12,340 parameters —
    over the limit of 10,000 by 2,340"."""
    if entry is None or not entry.active:
        return
    checks = stack_checks(entry.challenge, analysis)
    if not checks:
        return
    with st.container(key="build_challenge_checks"):
        for check in checks:
            if check.ok:
                st.success(plain(check.message), icon=":material/check_circle:")
            else:
                st.error(plain(check.message), icon=":material/block:")


def fill_train_form(entry: SetChallenge | None) -> frozenset[str]:
    """Put the challenge's epochs and training images in the Train form once per challenge, and its dataset
    and locked settings on every run; returns the names of the locked settings (their widgets are
    disabled)."""
    if entry is None or not entry.active:
        return frozenset()
    challenge = entry.challenge
    if st.session_state.get(FILLED) != entry.challenge_id:
        st.session_state[FILLED] = entry.challenge_id
        for field, key in _FORM_KEYS.items():
            value = getattr(challenge, field)
            if value is not None:
                st.session_state[key] = value
    locked = {**challenge.locked, "dataset": str(challenge.dataset)}  # its runs are all on its dataset
    for name, value in locked.items():
        st.session_state[f"train_{name}"] = value
    return frozenset(locked)
