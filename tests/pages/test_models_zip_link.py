"""The teacher's zip of every trained model is streamed by the web server's own route, not held in memory by
a download button: the dashboard links to it with a signed query that expires, the route refuses any other,
and the zip it streams holds every model file."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import time
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.requests import Request

from cnnlab.classroom.download_links import LINK_LIFETIME_S, allowed, signed_query
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import ModelFormat
from cnnlab.lab import Lab, Settings
from cnnlab.testing.apptest import open_page
from cnnlab.testing.classroom import conv_stack, finished_run
from cnnlab.ui.downloads import EXPIRED, MODELS_ZIP, MODELS_ZIP_PATH, models_zip_response

KEY = "teacher-key-for-tests"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server was started with the teacher key `KEY`."""
    return dataclasses.replace(settings, teacher_key=KEY)


def _get(query: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    """GET the route with `query`, as the web server would run it: status, the whole body, headers."""
    scope = {"type": "http", "method": "GET", "path": MODELS_ZIP_PATH, "headers": [],
             "query_string": "&".join(f"{name}={value}" for name, value in query.items()).encode()}
    response = models_zip_response(Request(scope))

    async def body() -> bytes:
        if not hasattr(response, "body_iterator"):
            return response.body
        return b"".join([chunk async for chunk in response.body_iterator])

    return response.status_code, asyncio.run(body()), dict(response.headers)


def test_the_dashboard_links_to_the_streamed_zip_with_a_signed_query(lab: Lab) -> None:
    at = open_page("pages/6_Teacher.py", key=KEY)
    (link,) = [element.proto for element in at.get("link_button")]
    address = urlsplit(link.url)
    query = {name: values[0] for name, values in parse_qs(address.query).items()}
    assert address.path == MODELS_ZIP_PATH and set(query) == {"until", "sig"}
    assert KEY not in link.url
    assert allowed(lab.teacher_key, MODELS_ZIP, query["until"], query["sig"])
    assert int(query["until"]) == pytest.approx(time.time() + LINK_LIFETIME_S, abs=120)


def test_the_route_streams_every_model_to_the_teacher_only(scripted, lab: Lab) -> None:
    manager, runner = scripted
    ada = new_owner_token()
    lab.classroom.roster.set_name(ada, "Ada")
    run_id = finished_run(manager, runner, ada, conv_stack(4), 0.97)
    manager.store.save_model(run_id, ModelFormat.H5, b"a" * 3_000_000)

    status, body, headers = _get(signed_query(lab.teacher_key, MODELS_ZIP))
    assert status == 200
    assert headers["content-type"] == "application/zip"
    assert headers["content-disposition"] == 'attachment; filename="cnnlab-models.zip"'
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == [f"Ada-97.00-{run_id[:6]}.h5"]
        assert archive.read(archive.namelist()[0]) == b"a" * 3_000_000

    good = signed_query(lab.teacher_key, MODELS_ZIP)
    expired = signed_query(lab.teacher_key, MODELS_ZIP, now=time.time() - LINK_LIFETIME_S - 1)
    for query in ({}, {**good, "sig": "0" * 64}, {**good, "until": str(int(good["until"]) + 1)}, expired,
                  {"until": "x", "sig": good["sig"]}):
        assert _get(query)[:2] == (403, EXPIRED.encode()), query
