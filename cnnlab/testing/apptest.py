"""Helpers for the page tests: open a page of the app in AppTest, read what it shows, run real jobs."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.core.hyper import TrainConfig
from cnnlab.engine import jobs
from cnnlab.engine.jobs import JobLimits, JobManager, JobSnapshot
from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.engine.store import RunStore

APP = PROJECT_ROOT / "app.py"
BUILD = "pages/1_Build.py"
TRAIN = "pages/2_Train.py"
RESULTS = "pages/3_Results.py"
TIMEOUT_S = 30


def open_page(page: str | None = None, **query: str) -> AppTest:
    """Run `page` (None = Home) as a browser would open `/<Page>?<query>`: a new session of the whole app."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    if page is not None:
        at.switch_page(page)
    at.query_params.update(query)
    return at.run()


def shown(markdown: str) -> str:
    """Text as the browser shows it: Markdown backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def messages(at: AppTest, kind: str) -> list[str]:
    """The shown text of every st.error / st.warning / st.success / st.info on the page."""
    return [shown(element.value) for element in getattr(at, kind)]


def table_rows(at: AppTest) -> list[list[str]]:
    """The stack table's rows (input first) as shown text."""
    return [[shown(cell) for cell in row] for row in at.table[0].value.itertuples(index=False)]


def metric(at: AppTest, label: str) -> str:
    """The value of the st.metric labelled `label`."""
    return next(m.value for m in at.metric if m.label == label)


@contextmanager
def manager_on(root: Path, limits: JobLimits | None = None) -> Iterator[JobManager]:
    """A job manager with its own runs directory, standing in for the server's `get_manager()`."""
    manager = JobManager(store=RunStore(root), limits=limits)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(jobs, "get_manager", lambda: manager)
            yield manager
    finally:
        manager.shutdown()


def wait_until_final(manager: JobManager, owner: str, job_id: str, timeout_s: float = 180) -> JobSnapshot:
    """Poll the job until it has finished, stopped or failed."""
    deadline = time.monotonic() + timeout_s
    while True:
        snapshot = manager.snapshot(job_id, owner)
        if snapshot is not None and snapshot.state.is_final:
            return snapshot
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {snapshot.state if snapshot else 'missing'}")
        time.sleep(0.25)


def quick_config(**settings: object) -> TrainConfig:
    """One epoch on 512 images: a real training run in a few seconds."""
    return TrainConfig(**{"epochs": 1, "train_size": 512, **settings})


def plotly_figures(at: AppTest) -> list[dict]:
    """Every Plotly chart on the page as its figure JSON (data and layout)."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
