"""What a change on Build makes the server redraw, seen over the browser's own protocol against the app
started as the README starts it.

A change in Add or Edit reruns only the parts of the page that show the stack (fragments), a choice that
leaves the stack as it is only its own panel; whatever reran, the page shows the stack as it is — also when
another tab changed it meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.presets import preset_spec
from cnnlab.core.stack_doc import delete_layer, set_setting, stack_from_spec
from cnnlab.engine.owners import new_owner_token
from cnnlab.testing.server import started_server
from cnnlab.testing.streamlit_client import Run, StreamlitSession

CONVNET = stack_from_spec(preset_spec("convnet"))


def _total(run: Run) -> str | None:
    metric = run.find("metric", lambda proto: proto.label == "Parameters")
    return None if metric is None else metric.proto.body


def _expected(stack: dict) -> str:
    return f"{analyze(stack).total_params:,}"


@pytest.fixture(scope="module")
def on_server(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Callable[..., Coroutine]], Any]:
    """Run a coroutine `scenario(base_url)` against one server for the module (its own event loop thread:
    the browser tests' Playwright may keep one running in this one)."""
    with started_server(tmp_path_factory.mktemp("reruns")) as server, ThreadPoolExecutor(1) as pool:
        yield lambda scenario: pool.submit(asyncio.run, scenario(server.url)).result()


def test_an_edit_reruns_the_stack_parts_only_and_shows_the_new_total(on_server) -> None:
    async def scenario(url: str) -> tuple[Run, Run]:
        session, opened = await StreamlitSession.open(url, "Build", f"preset=convnet&u={new_owner_token()}")
        try:
            assert _total(opened) == "60,874" and opened.whole_page
            edited = await session.interact({"build_edit_filters_0": 64})
            deleted = await session.interact(click="build_edit_delete")
            return edited, deleted
        finally:
            await session.close()

    edited, deleted = on_server(scenario)
    with_64 = set_setting(CONVNET, 1, "filters", 64)
    assert _total(edited) == _expected(with_64) and not edited.whole_page
    assert _total(deleted) == _expected(delete_layer(with_64, 1)) and not deleted.whole_page
    for run in (edited, deleted):
        kinds = {element.kind for element in run.elements}
        assert {"table", "metric", "number_input", "plotly_chart"} <= kinds  # table, panels, picture
        assert "page_link" not in kinds and not run.find("text_input")  # sidebar, name box: not redrawn


def test_choosing_a_layer_reruns_only_the_edit_panel(on_server) -> None:
    async def scenario(url: str) -> Run:
        session, _ = await StreamlitSession.open(url, "Build", f"preset=convnet&u={new_owner_token()}")
        try:
            return await session.interact({"build_edit_pos": session.option("build_edit_pos", 5)})
        finally:
            await session.close()

    picked = on_server(scenario)
    assert not picked.whole_page and _total(picked) is None
    # the Edit panel and "How this layer works", which follows the layer picked there (issue 23)
    assert len({element.fragment_id for element in picked.elements}) == 2
    assert picked.find("selectbox", lambda proto: proto.label == "Type") is not None


def test_a_choice_after_another_tab_changed_the_stack_redraws_the_whole_page(on_server) -> None:
    async def scenario(url: str) -> tuple[Run, Run]:
        owner = new_owner_token()
        first, _ = await StreamlitSession.open(url, "Build", f"preset=convnet&u={owner}")
        second, _ = await StreamlitSession.open(url, "Build", f"u={owner}")
        try:
            await first.interact(click="build_edit_delete")  # layer 1 goes, in the first tab
            picked = await second.interact({"build_edit_pos": second.option("build_edit_pos", 2)})
            renamed = await second.interact({"build_name": "renamed"})
            return picked, renamed
        finally:
            await first.close()
            await second.close()

    picked, renamed = on_server(scenario)
    assert picked.whole_page and _total(picked) == _expected(delete_layer(CONVNET, 1))
    assert renamed.whole_page  # the name box is outside the stack's parts: the whole page
