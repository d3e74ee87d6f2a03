"""Streamlit's browser protocol spoken from Python: a session that opens pages and drives widgets by key.

A Streamlit tab is one websocket to `/_stcore/stream`. The browser sends `BackMsg` protobufs — chiefly
`rerun_script`, carrying the page, the query string and the values of the widgets the user changed — and the
server streams `ForwardMsg`s back: the page's elements as deltas, then `script_finished`. A fragment with
`run_every` asks the browser (an `auto_rerun` message) to send a fragment rerun every few seconds.

`StreamlitSession` does what the browser does at that level, so a load test can hold dozens of real sessions
against a real server for the price of a few coroutines, and measures the server rather than dozens of
browsers. Widgets are found by their `key=`: Streamlit ends every keyed widget's id with "-<key>".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = ForwardMsg.ScriptFinishedStatus
_ID_PREFIX = "$$ID-"
_DROPPED_RERUN_S = 5.0  # a fragment rerun the server has not begun by then was dropped (its fragment is gone)


class ProtocolError(RuntimeError):
    """The server did not answer as a Streamlit server answers a browser (closed, silent, or a wrong page)."""


@dataclass(frozen=True)
class Element:
    """One element as a delta delivered it: where it sits, what kind it is (the proto's field name, e.g.
    "metric", "alert", "number_input"), its proto, and when it arrived (time.monotonic())."""

    path: tuple[int, ...]
    kind: str
    proto: Any
    arrived: float
    fragment_id: str

    @property
    def key(self) -> str | None:
        """The widget's `key=` ("$$ID-<hash>-build_edit_filters_0" → "build_edit_filters_0"), else None."""
        widget_id = getattr(self.proto, "id", "")
        if not widget_id.startswith(_ID_PREFIX):
            return None
        return widget_id[len(_ID_PREFIX):].split("-", 1)[-1]


@dataclass
class Run:
    """What one interaction made the server do: every element that arrived until the page was idle again."""

    sent: float  # time.monotonic() when the rerun request left (or the server started on its own)
    elements: list[Element] = field(default_factory=list)
    finished: float | None = None
    statuses: list[int] = field(default_factory=list)  # each script_finished status, in order
    whole_page: bool = False  # the whole page was drawn anew (not only the fragment of a changed widget)

    def find(self, kind: str, predicate: Callable[[Any], bool] = lambda proto: True) -> Element | None:
        """The first element of `kind` whose proto satisfies `predicate`."""
        return next((e for e in self.elements if e.kind == kind and predicate(e.proto)), None)

    def all(self, kind: str) -> list[Element]:
        """Every element of `kind`, in arrival order."""
        return [element for element in self.elements if element.kind == kind]


class StreamlitSession:
    """One browser tab's worth of Streamlit: connect to a page, change widgets, follow auto-reruns.

    Usage: `session = await StreamlitSession.open(base_url, "Build", "preset=convnet")`, then
    `run = await session.interact({"build_edit_filters_0": 32})` and read `run.find("metric", ...)`.
    """

    def __init__(self, base_url: str, timeout_s: float) -> None:
        """Prepare a session against `base_url` (http://host:port); `timeout_s` bounds every wait."""
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.query_string = ""
        self.page_path = ""
        self.page_hashes: dict[str, str] = {}  # url path ("" for the main page) → page script hash
        self.page_hash = ""
        self.widgets: dict[str, Element] = {}  # key → the widget as last drawn
        self.closed_reason: str | None = None
        self._ws: Any = None
        self._reader: asyncio.Task | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._run: Run | None = None
        self._auto_reruns: dict[str, asyncio.Task] = {}
        self.background: list[Run] = []  # runs nobody awaited: auto-reruns, and runs the server started

    @classmethod
    async def open(cls, base_url: str, page: str, query: str = "",
                   timeout_s: float = 60) -> tuple[StreamlitSession, Run]:
        """Connect and load `page` ("Build"; "" for the main page) with `query` ("preset=convnet&u=…")."""
        session = cls(base_url, timeout_s)
        ws_url = session.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        session._ws = await websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                               open_timeout=timeout_s)  # per-message deflate, as browsers
        session._reader = asyncio.create_task(session._read())
        session.page_path, session.query_string = page, query
        run = await session._rerun(page_name=page)
        return session, run

    async def close(self) -> None:
        """Close the tab: stop auto-reruns and the reader, close the websocket."""
        for task in self._auto_reruns.values():
            task.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    # ---- what a user does ------------------------------------------------------------------------------

    async def interact(self, values: Mapping[str, object] | None = None, click: str | None = None,
                       crafted: Mapping[str, str] | None = None) -> Run:
        """Change widgets (key → new value) and/or press the button `click`, as one rerun; wait until idle.

        Selectboxes take the option's label, number inputs a number, checkboxes a bool, text inputs a str,
        custom components (a drawing canvas) their JSON value. `crafted` (key → text) sends a selectbox a
        value no browser offers, as a hostile client could (Streamlit hands the script that raw text).
        A form's widgets go in the same call as its submit button, as the browser sends them on submit.
        Like the browser, a change to widgets of one fragment (`st.fragment`) asks for a rerun of that
        fragment only; the run's `whole_page` tells whether the server then redrew the whole page.
        """
        keys = [*(values or {}), *(crafted or {}), *([click] if click is not None else [])]
        states = [self._state(key, value) for key, value in (values or {}).items()]
        states += [WidgetState(id=self.widget(key).proto.id, string_value=text)
                   for key, text in (crafted or {}).items()]
        if click is not None:
            states.append(WidgetState(id=self.widget(click).proto.id, trigger_value=True))
        fragments = {self.widget(key).fragment_id for key in keys}
        fragment_id = fragments.pop() if len(fragments) == 1 else ""
        return await self._rerun(page_hash=self.page_hash, states=states, fragment_id=fragment_id)

    async def go_to(self, page: str, query: str) -> Run:
        """Follow a link to another page of the app (`page` is its URL path, "" for the main page)."""
        if page not in self.page_hashes:
            raise ProtocolError(f"the app has no page {page!r}; it has {sorted(self.page_hashes)}")
        self.page_path, self.query_string = page, query
        return await self._rerun(page_hash=self.page_hashes[page])

    async def send_clear_cache(self) -> None:
        """Send what "Clear cache" in the app menu (or the `c` key) sends: Streamlit then clears
        `st.cache_data` and `st.cache_resource` for every user, and this session's state."""
        await self._wait_idle()
        try:
            await self._ws.send(BackMsg(clear_cache=True).SerializeToString())
        except websockets.ConnectionClosed as closed:
            raise ProtocolError(f"the server closed the connection ({closed})") from closed

    async def until_idle(self) -> None:
        """Wait until no script run of this session is in progress (including one the server started)."""
        await self._wait_idle()

    def widget(self, key: str) -> Element:
        """The widget with `key=key` as last drawn; ProtocolError if the page has none."""
        if key not in self.widgets:
            raise ProtocolError(f"no widget with key {key!r} on page {self.page_path!r}")
        return self.widgets[key]

    def option(self, key: str, index: int) -> str:
        """The label of option `index` (0-based) of the selectbox `key`."""
        return self.widget(key).proto.options[index]

    # ---- the protocol ----------------------------------------------------------------------------------

    def _state(self, key: str, value: object) -> WidgetState:
        """The WidgetState the browser would send for widget `key` now holding `value`."""
        widget = self.widget(key)
        state = WidgetState(id=widget.proto.id)
        if widget.kind == "selectbox":
            if value not in widget.proto.options:
                raise ProtocolError(f"{key}: {value!r} is not one of {list(widget.proto.options)}")
            state.string_value = str(value)
        elif widget.kind == "number_input":
            if widget.proto.data_type == NumberInput.INT:
                state.int_value = int(value)
            else:
                state.double_value = float(value)
        elif widget.kind == "checkbox":
            state.bool_value = bool(value)
        elif widget.kind in ("text_input", "text_area"):
            state.string_value = str(value)
        elif widget.kind == "bidi_component":  # a custom component's state, e.g. the drawing canvas's
            state.json_value = json.dumps(value)
        else:
            raise ProtocolError(f"{key}: setting a {widget.kind} is not supported by this client")
        return state

    async def _rerun(self, *, page_name: str = "", page_hash: str = "", states: Sequence[WidgetState] = (),
                     fragment_id: str = "", is_auto: bool = False, wait: bool = True) -> Run:
        """Send a rerun request (what the browser sends on load, on a widget change and on a link) and, with
        `wait`, return the run it caused once the session is idle again."""
        await self._wait_idle()
        message = BackMsg()
        request = message.rerun_script
        request.query_string = self.query_string
        request.page_name = page_name
        request.page_script_hash = page_hash
        request.fragment_id = fragment_id
        request.is_auto_rerun = is_auto
        request.widget_states.widgets.extend(states)
        request.context_info.url = f"{self.base_url}/{self.page_path}"
        run = Run(sent=time.monotonic())
        self._run = run
        if not wait:
            self.background.append(run)
        self._idle.clear()
        try:
            await self._ws.send(message.SerializeToString())
        except websockets.ConnectionClosed as closed:
            raise ProtocolError(f"the server closed the connection ({closed})") from closed
        if wait:
            await self._wait_idle()
        return run

    async def _wait_idle(self) -> None:
        """Return once the session is idle (re-checked after each wake-up: another waiter may have sent)."""
        deadline = time.monotonic() + self.timeout_s
        while not self._idle.is_set():
            try:
                await asyncio.wait_for(self._idle.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise ProtocolError(
                    f"page {self.page_path!r} gave no answer within {self.timeout_s:.0f} s") from None
        if self.closed_reason is not None:
            raise ProtocolError(self.closed_reason)

    async def _read(self) -> None:
        """Receive ForwardMsgs until the socket closes, keeping the page's state and the current run."""
        try:
            async for data in self._ws:
                message = ForwardMsg()
                message.ParseFromString(data)
                self._handle(message, time.monotonic())
            self.closed_reason = "the server closed the connection"
        except websockets.ConnectionClosed as closed:
            self.closed_reason = f"the server closed the connection ({closed})"
        finally:
            self._idle.set()  # wake any waiter; it sees `closed_reason`

    def _current_run(self, now: float) -> Run:
        """The run deltas belong to: ours, or one the server started by itself while we were idle."""
        if self._run is None:
            self._run = Run(sent=now)
            self.background.append(self._run)
            self._idle.clear()
        return self._run

    def _handle(self, message: ForwardMsg, now: float) -> None:
        """Fold one ForwardMsg into the session: page, query string, widgets, the current run, auto-reruns."""
        kind = message.WhichOneof("type")
        if kind == "new_session":
            run = self._current_run(now)
            if not message.metadata.run.fragment_ids:  # a full run draws the page anew
                run.whole_page = True
                self.page_hash = message.new_session.page_script_hash
                self.widgets.clear()
                for task in self._auto_reruns.values():
                    task.cancel()
                self._auto_reruns.clear()
        elif kind == "navigation":
            pages = message.navigation.app_pages
            self.page_hashes = {page.url_pathname: page.page_script_hash for page in pages}
            self.page_hash = message.navigation.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element_kind = message.delta.new_element.WhichOneof("type")
            proto = getattr(message.delta.new_element, element_kind)
            element = Element(tuple(message.metadata.delta_path), element_kind, proto, now,
                              message.delta.fragment_id)
            self._current_run(now).elements.append(element)
            if element.key is not None:
                self.widgets[element.key] = element
        elif kind == "auto_rerun":
            self._schedule(message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                task = self._auto_reruns.pop(fragment_id, None)
                if task is not None:
                    task.cancel()
        elif kind == "page_not_found":
            self._current_run(now).statuses.append(-1)
        elif kind == "script_finished":
            run = self._current_run(now)
            run.statuses.append(message.script_finished)
            if message.script_finished != FINISHED.FINISHED_EARLY_FOR_RERUN:
                run.finished = now
                self._run = None
                self._idle.set()

    def _schedule(self, fragment_id: str, interval: float) -> None:
        """Rerun the fragment every `interval` seconds, as the browser does for `st.fragment(run_every=…)`."""
        if fragment_id in self._auto_reruns:
            return

        async def tick() -> None:
            while True:
                await asyncio.sleep(interval)
                if not self._idle.is_set() or self.closed_reason is not None:
                    continue  # this client keeps one run in flight per tab; the next tick comes soon
                with contextlib.suppress(ProtocolError):
                    run = await self._rerun(page_hash=self.page_hash, fragment_id=fragment_id, is_auto=True,
                                            wait=False)
                    asyncio.get_running_loop().call_later(_DROPPED_RERUN_S, self._forget_if_dropped, run)

        self._auto_reruns[fragment_id] = asyncio.create_task(tick())

    def _forget_if_dropped(self, run: Run) -> None:
        """A fragment rerun the server never began was dropped (its fragment had just gone): stop waiting."""
        if self._run is run and not run.statuses and not run.elements:
            self._run = None
            self._idle.set()
