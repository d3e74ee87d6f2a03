"""Hostile input to "Add to our class's digits", sent over the browser's own protocol to the app started as
the README starts it: a drawing labelled 11, -1 or "x" (values no browser offers: Streamlit hands the script
the raw text), and a drawing from a student the teacher stopped taking drawings from, each change nothing and
get a message; the same request with a real digit, once allowed, is added."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from cnnlab.classroom.class_digits import ClassDigits
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import RunStore
from cnnlab.testing.apptest import canvas_state, drawn_one, shown
from cnnlab.testing.models import register_run
from cnnlab.testing.server import Server, started_server
from cnnlab.testing.streamlit_client import Run, StreamlitSession
from cnnlab.ui.class_digits_view import ADD_KEY, LABEL_KEY
from cnnlab.ui.insight import CANVAS_KEY

pytestmark = pytest.mark.keras
ANSWER_TIMEOUT_S = 300  # the first drawing waits for the inference worker to import TensorFlow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    with started_server(tmp_path_factory.mktemp("class-digits-hostile")) as started:
        yield started


def _alerts(run: Run) -> list[str]:
    return [shown(element.proto.body) for element in run.all("alert")]


def _on(server: Server, scenario: Callable[[str], Coroutine]) -> Any:
    """Run `scenario(base_url)` in an event loop of its own (Playwright may keep one in this thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, scenario(server.url)).result()


def _drawing_session(owner: str) -> Callable[[str], Coroutine]:
    """Open Predict as `owner`, draw a 1, then send Add with each crafted label and with a real one."""

    async def scenario(url: str) -> dict[str, list[str]]:
        session, _ = await StreamlitSession.open(url, "Predict", f"u={owner}", timeout_s=ANSWER_TIMEOUT_S)
        try:
            await session.interact({CANVAS_KEY: canvas_state(drawn_one())})
            seen = {}
            for label in ("11", "-1", "x"):
                seen[label] = _alerts(await session.interact(crafted={LABEL_KEY: label}, click=ADD_KEY))
            seen["1"] = _alerts(await session.interact({LABEL_KEY: "1"}, click=ADD_KEY))
            return seen
        finally:
            await session.close()

    return scenario


def test_crafted_labels_change_nothing_and_say_why(server: Server, trained) -> None:
    owner = new_owner_token()
    register_run(RunStore(server.runs_dir), owner, trained["mlp"])
    seen = _on(server, _drawing_session(owner))
    for label in ("11", "-1", "x"):
        assert f'Not added: a drawing is labelled with one digit from 0 to 9 (got "{label}").' in seen[label]
    assert "Added your 1 to our class's digits: 1 drawing in all, 1 of them yours." in seen["1"]
    assert [d.label for d in ClassDigits.at(server.runs_dir).drawings() if d.owner == owner] == [1]


def test_a_student_the_teacher_stopped_taking_drawings_from_adds_nothing(server: Server, trained) -> None:
    owner = new_owner_token()
    register_run(RunStore(server.runs_dir), owner, trained["mlp"])
    digits = ClassDigits.at(server.runs_dir)  # what the teacher's dashboard does, from another process
    digits.delete_student(owner, refuse_more=True)
    seen = _on(server, _drawing_session(owner))
    refused = "Your teacher is not taking drawings from you for our class's digits; nothing was added."
    assert refused in seen["1"]
    assert [d for d in digits.drawings() if d.owner == owner] == []
