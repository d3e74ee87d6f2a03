"""Fixtures of the page tests: every page a test opens gets the test's own Lab from `running_lab()`."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from cnnlab.lab import Lab, serving


@pytest.fixture(autouse=True)
def served(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    """Serve this test's Lab to the pages (its driver thread steps the job manager, as on the server).

    Also puts back this process's `__main__` afterwards: AppTest leaves the app script there, and
    multiprocessing's spawn would run that script again in every later child process of the test session.
    """
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    with serving(lab):
        yield lab
