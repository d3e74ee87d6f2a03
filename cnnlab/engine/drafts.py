"""Each student's stack in progress, kept on the server so a refresh or a reopened tab finds it again.

A draft is the raw stack document exactly as the Build page edits it (`{"name", "input_shape", "layers"}`),
valid or not: a half-finished stack with a problem is still the student's work and must not be lost.
One JSON file per owner under `<runs dir>/drafts/`, replaced atomically on every change.

Beside it, `<runs dir>/history/<owner>.json` keeps the stack's version (a counter that every saved change
raises, so a page can tell that the stack it drew was changed since, e.g. from another tab) and the last
`UNDO_DEPTH` stacks it replaced, for Undo; `<runs dir>/settings/<owner>.json` the last training settings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnlab.core.stack_doc import Stack, empty_stack
from cnnlab.engine.owners import is_owner_token
from cnnlab.engine.paths import atomic_write_text, read_json

MAX_DRAFT_BYTES = 1_000_000  # far above any stack within the layer caps; a bigger file is not ours
UNDO_DEPTH = 10  # changes a student can undo
_FOLDERS = ("drafts", "history", "settings")  # what is kept per owner, one JSON file each


@dataclass(frozen=True)
class DraftState:
    """A student's stack with its version and how many changes can be undone, as read at one moment."""

    stack: Stack
    version: int  # -1 when the stack changed while it was being read: a control drawn for it is refused
    undo_steps: int


class Drafts:
    """The students' stacks in progress (and their last training settings) under one runs directory."""

    def __init__(self, runs_dir: Path) -> None:
        """Keep drafts in `runs_dir/drafts`, their history in `runs_dir/history`, settings in
        `runs_dir/settings`."""
        self.runs_dir = runs_dir

    def _path(self, folder: str, owner: str) -> Path:
        if not is_owner_token(owner):
            raise ValueError("a draft belongs to an owner token from cnnlab.engine.owners.new_owner_token()")
        return self.runs_dir / folder / f"{owner}.json"

    def _history(self, owner: str) -> tuple[int, list[Any]]:
        """(version, stacks to undo to, oldest first); (0, []) for a newcomer or an unreadable file."""
        document = read_json(self._path("history", owner), (UNDO_DEPTH + 1) * MAX_DRAFT_BYTES)
        if not isinstance(document, dict):
            return 0, []
        version, undo = document.get("version"), document.get("undo")
        if not isinstance(version, int) or isinstance(version, bool) or not isinstance(undo, list):
            return 0, []
        return version, [stack for stack in undo if isinstance(stack, dict)][-UNDO_DEPTH:]

    def _write(self, owner: str, stack: Mapping[str, Any], version: int, undo: list[Any]) -> int:
        """Store the draft and its history; returns the new version."""
        compact = {"ensure_ascii": False, "separators": (",", ":")}
        atomic_write_text(self._path("drafts", owner), json.dumps(stack, **compact))
        atomic_write_text(self._path("history", owner), json.dumps({"version": version, "undo": undo},
                                                                   **compact))
        return version

    def save(self, owner: str, stack: Mapping[str, Any]) -> int:
        """Store `owner`'s current stack document (one atomic rename), keep the one it replaces for Undo,
        and return the stack's new version."""
        version, undo = self._history(owner)
        previous = self.load(owner)
        if previous is not None and previous != stack:
            undo = [*undo, previous][-UNDO_DEPTH:]
        return self._write(owner, stack, version + 1, undo)

    def version(self, owner: str) -> int:
        """The version of `owner`'s stack: raised by every saved change (0 before the first)."""
        return self._history(owner)[0]

    def undo(self, owner: str) -> int | None:
        """Put back the stack as it was before its last change; the new version, or None with nothing to
        undo."""
        version, undo = self._history(owner)
        if not undo:
            return None
        return self._write(owner, undo[-1], version + 1, undo[:-1])

    def state(self, owner: str) -> DraftState:
        """The owner's stack, its version and its undo depth in one read of each file (what a Build page run
        needs), instead of one read per question.

        A save writes the draft, then its history: when the version read after the draft differs from the
        one read before it, a save came in between and the pair may not match, so the version is given as -1.
        """
        version, undo = self._history(owner)
        stack = self.current(owner)
        consistent = self._history(owner)[0] == version
        return DraftState(stack=stack, version=version if consistent else -1, undo_steps=len(undo))

    def load(self, owner: str) -> dict[str, Any] | None:
        """The stack document `owner` saved last, or None when there is none (or the file is unreadable).

        Never raises for a missing, oversized or corrupt file: the page then simply starts a fresh stack.
        """
        document = read_json(self._path("drafts", owner), MAX_DRAFT_BYTES)
        return document if isinstance(document, dict) else None

    def current(self, owner: str) -> Stack:
        """The owner's saved stack (their draft), or an empty one for a newcomer or an unreadable draft."""
        draft = self.load(owner)
        return draft if draft is not None else empty_stack()

    def save_settings(self, owner: str, settings: Mapping[str, Any]) -> None:
        """Store `owner`'s last training settings (as `config_to_dict` writes them), so the Train form comes
        back with them after a reload or a visit to another page."""
        atomic_write_text(self._path("settings", owner), json.dumps(settings, separators=(",", ":")))

    def move(self, owner: str, destination: Drafts) -> None:
        """Move `owner`'s stack, its history and their last settings into another runs directory (an archived
        class): here the owner then starts with an empty stack."""
        for folder in _FOLDERS:
            source = self._path(folder, owner)
            if source.exists():
                target = destination._path(folder, owner)
                target.parent.mkdir(parents=True, exist_ok=True)
                source.replace(target)

    def load_settings(self, owner: str) -> dict[str, Any] | None:
        """`owner`'s last training settings, unchecked (the form checks them), or None."""
        document = read_json(self._path("settings", owner), 10_000)
        return document if isinstance(document, dict) else None
