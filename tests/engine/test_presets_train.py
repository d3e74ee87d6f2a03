"""Every preset trains with the Train page's defaults — 1 epoch on 30,000 MNIST images (3,000 held out),
adam with β₁ 0.7 and β₂ 0.9, a one-cycle learning rate peaking at 0.01, batch 128 — and reads at least 90 % of
the test digits (tiny, under 4,000 parameters, in one epoch at least 80 %), validation agreeing with training:
the batchnorm preset included, whose moving statistics have to keep up with so short and fast a run."""

from __future__ import annotations

import pytest

from cnnlab.core.hyper import CLASS_DEMO
from cnnlab.core.presets import PRESETS, preset_spec
from cnnlab.core.spec_json import spec_to_dict

pytestmark = pytest.mark.keras
BARS = {name: 0.90 for name in PRESETS} | {"tiny": 0.80}  # tiny: 83.87 % (seed 0)


@pytest.fixture(scope="module")
def trained() -> dict[str, dict]:
    """Each preset trained once with the Train page's defaults by the app's trainer: its last epoch's figures
    and its test accuracy."""
    from cnnlab.engine.trainer import train

    figures = {}
    for name in PRESETS:
        events: list[dict] = []
        train(spec_to_dict(preset_spec(name)), CLASS_DEMO, events.append, lambda: False)
        epoch = next(event for event in events if event["event"] == "epoch")
        finished = events[-1]
        figures[name] = {"training": epoch["accuracy"], "validation": epoch["val_accuracy"],
                         "test": finished["test_accuracy"], "stopped": finished["stopped"]}
    return figures


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_reads_most_test_digits_with_the_defaults(trained: dict[str, dict], name: str) -> None:
    run = trained[name]
    assert not run["stopped"]
    assert run["test"] >= BARS[name], run
    assert run["validation"] >= BARS[name] - 0.02, run  # what it reads while testing, not only training
