"""Train's button and what stands beside it, checked before the press: the job manager's own checks (the
stack, the caps, the challenge's limits, memory, the time limit) run on the stack and the settings as they
are now, on every change. A job the server would refuse gets a disabled Train and the reason in its place,
with a link back to Build; only a job it would take is called ready."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from cnnlab.core.hyper import TrainConfig, config_to_dict
from cnnlab.core.text import duration, plain
from cnnlab.engine.jobs import JobManager, JobRefused
from cnnlab.lab import running_lab
from cnnlab.ui import session

SCROLL_TO_LIVE = "train_scroll_to_live"  # set by a press: the next run brings the live panel into view


@dataclass(frozen=True)
class Verdict:
    """Whether the server would take the job now: `ready` (what will train) with its `estimate`, or
    `refusal` (why not)."""

    ready: str | None = None
    estimate: str | None = None
    refusal: str | None = None


def verdict(manager: JobManager, owner: str, form: tuple[TrainConfig | None, tuple[str, ...]]) -> Verdict:
    """The job manager's verdict on the owner's stack with the settings in the form (`form`: the parsed
    settings, or None and their problems)."""
    config, problems = form
    if config is None:
        return Verdict(refusal="; ".join(problems))
    try:
        # the settings as plain values: a job manager built before a module reload reads them with its own
        # classes (as `submit` is handed a stored run's settings)
        analysis, _, _, seconds = manager.checked(running_lab().drafts.current(owner), config_to_dict(config))
    except JobRefused as refusal:
        return Verdict(refusal=str(refusal))
    limit = manager.limits.max_job_seconds
    return Verdict(ready=f"Ready to train {analysis.name or 'your stack'}: {len(analysis.layers)} layers, "
                         f"{analysis.total_params:,} parameters.",
                   estimate=f"Estimated time on this server: about {duration(seconds)} (the limit is "
                            f"{duration(limit)} per job).")


def render_press(manager: JobManager, owner: str, form: tuple[TrainConfig | None, tuple[str, ...]],
                 submit: Callable[[JobManager, str], None]) -> None:
    """The Train button (calling `submit(manager, owner)`), and beside it either what will train with the
    settings in the `form` or why it cannot, with a link to Build."""
    judged = verdict(manager, owner, form)
    st.button("Train", type="primary", icon=":material/play_arrow:", disabled=judged.refusal is not None,
              key="train_submit", on_click=submit, args=(manager, owner))
    if judged.refusal is not None:
        st.error(plain(f"Train is off: {judged.refusal}."), icon=":material/block:")
        session.link(session.Page.BUILD, "Change the stack on Build", ":material/build:", owner)
    else:
        st.success(plain(judged.ready), icon=":material/check_circle:")
        st.caption(plain(judged.estimate))


def scroll_to_live() -> None:
    """After a press, bring the live panel into view once (on a phone it starts below the fold)."""
    if st.session_state.pop(SCROLL_TO_LIVE, False):
        st.html("<script>setTimeout(() => document.querySelector('.st-key-train_live')"
                "?.scrollIntoView({behavior: 'smooth', block: 'start'}), 300);</script>",
                unsafe_allow_javascript=True)
