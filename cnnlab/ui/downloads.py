"""Downloads too big for `st.download_button` (which holds a file's bytes in the web server's memory while
the page is open): the teacher's zip of every trained model, streamed from disk by a route of the web server
itself, a megabyte at a time (`classroom.export.models_zip_chunks`).

`ROUTES` are mounted beside the pages by `serve.py`, the app's entry point (`st.App`; `make run` starts it).
The dashboard links to them with a signed, expiring query (`classroom.download_links`): the link works for
the teacher for a quarter of an hour and shows nothing of the key.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from cnnlab.classroom.download_links import allowed, signed_query
from cnnlab.classroom.export import models_zip_chunks
from cnnlab.engine.store import ModelFormat
from cnnlab.lab import running_lab

MODELS_ZIP = "models.zip"
MODELS_ZIP_PATH = f"/downloads/{MODELS_ZIP}"
MODELS_ZIP_FILE_NAME = "cnnlab-models.zip"
ALL_RUNS = 100_000
EXPIRED = ("This download link has expired or is not the teacher's. Open the teacher's dashboard and click "
           "the download again (its links work for 15 minutes).")


def models_zip_link() -> str:
    """The address of the zip of every trained model, signed for the teacher: "/downloads/models.zip?until=…
    &sig=…" (under the server's base path, if it has one)."""
    base = "/" + str(st.get_option("server.baseUrlPath") or "").strip("/")
    query = urlencode(signed_query(running_lab().teacher_key, MODELS_ZIP))
    return f"{base.rstrip('/')}{MODELS_ZIP_PATH}?{query}"


def models_zip_response(request: Request) -> Response:
    """The zip of every run's trained .h5, streamed; 403 with a sentence for an expired or foreign link.

    A plain function: Starlette runs it on a worker thread, and iterates the zip's chunks there too."""
    lab = running_lab()
    if not allowed(lab.teacher_key, MODELS_ZIP, request.query_params.get("until"),
                   request.query_params.get("sig")):
        return PlainTextResponse(EXPIRED, status_code=403)
    runs, names = lab.store.all_runs(ALL_RUNS), lab.classroom.roster.names()
    chunks = models_zip_chunks(runs, names,
                               lambda run: lab.store.model_file(run.run_id, run.owner, ModelFormat.H5))
    return StreamingResponse(chunks, media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="{MODELS_ZIP_FILE_NAME}"',
                                      "Cache-Control": "no-store"})


ROUTES = [Route(MODELS_ZIP_PATH, models_zip_response)]
