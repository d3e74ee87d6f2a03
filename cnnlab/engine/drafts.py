"""Each student's stack in progress, kept on the server so a refresh or a reopened tab finds it again.

A draft is the raw stack document exactly as the Build page edits it (`{"name", "input_shape", "layers"}`),
valid or not: a half-finished stack with a problem is still the student's work and must not be lost.
One JSON file per owner under `runs_root()/drafts/`, replaced atomically on every change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cnnlab.core.stack_doc import Stack, empty_stack
from cnnlab.engine.owners import is_owner_token
from cnnlab.engine.paths import atomic_write_text, read_json, runs_root

MAX_DRAFT_BYTES = 1_000_000  # far above any stack within the layer caps; a bigger file is not ours


def _draft_path(owner: str) -> Path:
    if not is_owner_token(owner):
        raise ValueError("a draft belongs to an owner token from cnnlab.engine.owners.new_owner_token()")
    return runs_root() / "drafts" / f"{owner}.json"


def save_draft(owner: str, stack: Mapping[str, Any]) -> None:
    """Store `owner`'s current stack document, replacing the previous one in a single atomic rename."""
    atomic_write_text(_draft_path(owner), json.dumps(stack, ensure_ascii=False, separators=(",", ":")))


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

