"""Helpers for the page tests: open a page of the app in AppTest, read what it shows, draw on its canvas."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
from PIL import Image, ImageDraw
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner.script_runner import ScriptRunnerEvent
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module
from streamlit.testing.v1.element_tree import parse_tree_from_messages
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

from cnnlab.core.hyper import TrainConfig
from cnnlab.engine.paths import PROJECT_ROOT

APP = PROJECT_ROOT / "app.py"
BUILD = "pages/1_Build.py"
TRAIN = "pages/2_Train.py"
RESULTS = "pages/3_Results.py"
TIMEOUT_S = 30


class BrowserAppTest(AppTest):
    """AppTest that keeps the page between runs as a browser does.

    A callback may rerun only some fragments (`st.rerun(<fragment keys>)`, as Build's Add and Edit do): a
    browser then replaces just those fragments' elements and keeps the rest of the page, while plain AppTest
    would show only the fragments. Here a run that ended as a fragments-only run replaces the elements of
    its fragments — everything inside their containers, nested fragments included — in the previous page;
    a full run replaces the whole page. A fragment's own rerun also still knows the app's pages, as the
    server's session does (plain AppTest forgets them, since only the main script registers them), so a page
    link inside a fragment works.
    """

    def __init__(self, script_path: str | Path, **options: Any) -> None:
        """As `AppTest(script_path, default_timeout=…)`."""
        super().__init__(script_path, **options)
        self._page: list[ForwardMsg] = []  # the deltas the page shows now
        self._pages: dict = {}  # the app's pages, as the last full run registered them

    def _run(self, widget_state: WidgetStates | None = None, timeout: float | None = None) -> AppTest:
        runners: list[LocalScriptRunner] = []

        def runner(*args: Any, **kwargs: Any) -> LocalScriptRunner:
            runners.append(LocalScriptRunner(*args, **kwargs))
            return runners[-1]

        known = self._pages

        class SessionPages(PagesManager):
            """A run's pages: those the script registers, else those of the session's last full run."""

            def get_pages(self) -> dict:
                pages = super().get_pages()
                if len(pages) > 1:  # registered by this run's main script
                    known.clear()
                    known.update(pages)
                return pages if len(pages) > 1 or not known else dict(known)

        with (mock.patch.object(app_test_module, "LocalScriptRunner", runner),
              mock.patch.object(app_test_module, "PagesManager", SessionPages)):
            result = super()._run(widget_state, timeout)
        script_runner = runners[-1]
        started = [data for event, data in zip(script_runner.events, script_runner.event_data, strict=True)
                   if event == ScriptRunnerEvent.SCRIPT_STARTED]
        fragments = set(started[-1].get("fragment_ids_this_run") or ()) if started else set()
        deltas = [message for message in script_runner.forward_msgs() if message.HasField("delta")]
        containers = [min(paths, key=len) for fragment in fragments  # each rerun fragment's own container
                      if (paths := [tuple(m.metadata.delta_path) for m in deltas
                                    if m.delta.fragment_id == fragment])]
        kept = [message for message in self._page if message.delta.fragment_id not in fragments
                and not any(tuple(message.metadata.delta_path)[:len(c)] == c for c in containers)]
        self._page = [*kept, *deltas] if fragments else deltas
        in_page_order = sorted(self._page, key=lambda message: tuple(message.metadata.delta_path))
        self._tree = parse_tree_from_messages(in_page_order)
        self._tree._runner = self
        return result


def open_page(page: str | None = None, **query: str) -> AppTest:
    """Run `page` (None = Home) as a browser would open `/<Page>?<query>`: a new session of the whole app,
    kept between runs as a browser keeps it (`BrowserAppTest`)."""
    at = BrowserAppTest(APP, default_timeout=TIMEOUT_S)
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


def quick_config(**settings: object) -> TrainConfig:
    """One epoch on 512 images: a real training run in a few seconds."""
    return TrainConfig(**{"epochs": 1, "train_size": 512, **settings})


def plotly_specs(at: AppTest) -> list[dict]:
    """The figure of every st.plotly_chart on the page (data and layout), in page order."""
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def figure_titles(at: AppTest) -> list[str]:
    """The title text of every Plotly figure on the page ("" when untitled)."""
    return [spec.get("layout", {}).get("title", {}).get("text", "") for spec in plotly_specs(at)]


def page_links(at: AppTest) -> list[tuple[str, str, str]]:
    """(label, page, query string) of every st.page_link on the page."""
    return [(e.proto.label, e.proto.page, e.proto.query_string) for e in at.get("page_link")]


def drawn_one() -> np.ndarray:
    """A "1" drawn as a white stroke on Predict's black 280×280 canvas: the canvas's RGBA image."""
    ink = Image.new("L", (280, 280), 0)
    ImageDraw.Draw(ink).line([(150, 40), (140, 240)], fill=255, width=18)
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[:, :, :3] = np.asarray(ink)[:, :, None]
    rgba[:, :, 3] = 255
    return rgba


def canvas_state(rgba: np.ndarray) -> dict:
    """What streamlit-drawable-canvas sends after a stroke: the Fabric JSON and the PNG as a data URL."""
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"drawing": {"raw": {"objects": [{"type": "path"}]}, "data": url}}


def popover_labels(at: AppTest) -> list[str]:
    """The label of every st.popover on the page (a confirmation's first button), in page order."""

    def walk(node: object) -> Iterator[str]:
        if getattr(node, "type", None) == "popover":
            yield node.proto.popover.label
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return list(walk(at._tree))
