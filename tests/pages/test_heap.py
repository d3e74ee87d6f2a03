"""The web server freezes the objects its imports made, once per page, so that full garbage collections
scan only what page runs create."""

from __future__ import annotations

import pytest

from cnnlab.ui import heap


def test_each_page_freezes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    freezes: list[str] = []
    monkeypatch.setattr(heap.gc, "freeze", lambda: freezes.append("freeze"))
    monkeypatch.setattr(heap, "_FROZEN_AFTER", set())
    for page in ("Build", "Build", "Train", "Build", "Train"):
        heap.freeze_imports(page)
    assert len(freezes) == 2
