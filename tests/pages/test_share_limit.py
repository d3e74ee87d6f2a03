"""Share links stay far below what the server accepts; a stack too big for one offers its JSON file."""

from __future__ import annotations

import pytest

from cnnlab.testing.apptest import BUILD, messages, open_page
from cnnlab.ui import links


def test_a_stack_too_big_for_a_link_offers_its_json_file(monkeypatch: pytest.MonkeyPatch) -> None:
    assert links.MAX_LINK_CHARS == 16_000
    monkeypatch.setattr(links, "MAX_LINK_CHARS", 200)  # the convnet's link is about 1,000 characters
    at = open_page(BUILD, preset="convnet")
    assert not any("spec=" in code.value for code in at.code)
    assert messages(at, "info")[0].startswith("This stack is too big for a link (links stay under 200 "
                                              "characters so that every browser and the server accept them)")
    assert at.get("download_button")  # the JSON file it points to is offered


def test_a_stack_within_the_limit_gets_its_link() -> None:
    at = open_page(BUILD, preset="convnet")
    link = next(code.value for code in at.code if "spec=" in code.value)
    assert len(link) < links.MAX_LINK_CHARS
