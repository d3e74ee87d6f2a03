"""Each student's stack in progress, kept on the server so a refresh or a reopened tab finds it again.

A draft is the raw stack document exactly as the Build page edits it (`{"name", "input_shape", "layers"}`),
valid or not: a half-finished stack with a problem is still the student's work and must not be lost.
One JSON file per owner under `runs_root()/drafts/`, replaced atomically on every change.

Beside it, `runs_root()/history/<owner>.json` keeps the stack's version (a counter that every saved change
raises, so a page can tell that the stack it drew was changed since, e.g. from another tab) and the last
`UNDO_DEPTH` stacks it replaced, for Undo.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnlab.core.stack_doc import Stack, empty_stack
from cnnlab.engine.owners import is_owner_token
from cnnlab.engine.paths import atomic_write_text, read_json, runs_root

MAX_DRAFT_BYTES = 1_000_000  # far above any stack within the layer caps; a bigger file is not ours
UNDO_DEPTH = 10  # changes a student can undo


def _draft_path(owner: str) -> Path:
    if not is_owner_token(owner):
        raise ValueError("a draft belongs to an owner token from cnnlab.engine.owners.new_owner_token()")
    return runs_root() / "drafts" / f"{owner}.json"


def _history_path(owner: str) -> Path:
    return _draft_path(owner).parent.parent / "history" / f"{owner}.json"


def _history(owner: str) -> tuple[int, list[Any]]:
    """(version, stacks to undo to, oldest first); (0, []) for a newcomer or an unreadable file."""
    document = read_json(_history_path(owner), (UNDO_DEPTH + 1) * MAX_DRAFT_BYTES)
    if not isinstance(document, dict):
        return 0, []
    version, undo = document.get("version"), document.get("undo")
    if not isinstance(version, int) or isinstance(version, bool) or not isinstance(undo, list):
        return 0, []
    return version, [stack for stack in undo if isinstance(stack, dict)][-UNDO_DEPTH:]


def _write(owner: str, stack: Mapping[str, Any], version: int, undo: list[Any]) -> int:
    """Store the draft and its history; returns the new version."""
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    atomic_write_text(_draft_path(owner), json.dumps(stack, **compact))
    atomic_write_text(_history_path(owner), json.dumps({"version": version, "undo": undo}, **compact))
    return version


def save_draft(owner: str, stack: Mapping[str, Any]) -> int:
    """Store `owner`'s current stack document (one atomic rename), keep the one it replaces for Undo, and
    return the stack's new version."""
    version, undo = _history(owner)
    previous = load_draft(owner)
    if previous is not None and previous != stack:
        undo = [*undo, previous][-UNDO_DEPTH:]
    return _write(owner, stack, version + 1, undo)


def draft_version(owner: str) -> int:
    """The version of `owner`'s stack: raised by every saved change (0 before the first)."""
    return _history(owner)[0]


def undo_draft(owner: str) -> int | None:
    """Put back the stack as it was before its last change; the new version, or None with nothing to undo."""
    version, undo = _history(owner)
    if not undo:
        return None
    return _write(owner, undo[-1], version + 1, undo[:-1])


@dataclass(frozen=True)
class DraftState:
    """A student's stack with its version and how many changes can be undone, as read at one moment."""

    stack: Stack
    version: int  # -1 when the stack changed while it was being read: a control drawn for it is refused
    undo_steps: int


def draft_state(owner: str) -> DraftState:
    """The owner's stack, its version and its undo depth in one read of each file (what a Build page run
    needs), instead of one read per question.

    A save writes the draft, then its history: when the version read after the draft differs from the one
    read before it, a save came in between and the pair may not match, so the version is given as -1.
    """
    version, undo = _history(owner)
    stack = current_stack(owner)
    consistent = _history(owner)[0] == version
    return DraftState(stack=stack, version=version if consistent else -1, undo_steps=len(undo))


def load_draft(owner: str) -> dict[str, Any] | None:
    """The stack document `owner` saved last, or None when there is none (or the file is unreadable).

    Never raises for a missing, oversized or corrupt file: the page then simply starts a fresh stack.
    """
    document = read_json(_draft_path(owner), MAX_DRAFT_BYTES)
    return document if isinstance(document, dict) else None


def current_stack(owner: str) -> Stack:
    """The owner's saved stack (their draft), or an empty one for a newcomer or an unreadable draft."""
    draft = load_draft(owner)
    return draft if draft is not None else empty_stack()



def _settings_path(owner: str) -> Path:
    return _draft_path(owner).parent.parent / "settings" / f"{owner}.json"


def save_settings(owner: str, settings: Mapping[str, Any]) -> None:
    """Store `owner`'s last training settings (as `config_to_dict` writes them), so the Train form comes
    back with them after a reload or a visit to another page."""
    atomic_write_text(_settings_path(owner), json.dumps(settings, separators=(",", ":")))


def load_settings(owner: str) -> dict[str, Any] | None:
    """`owner`'s last training settings, unchecked (the form checks them), or None."""
    document = read_json(_settings_path(owner), 10_000)
    return document if isinstance(document, dict) else None
