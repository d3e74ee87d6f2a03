""""Where it errs" (a tab of one run on Results) in AppTest: confusion cells → their images, worst first."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnlab.engine.data import load_mnist
from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.insight.mistakes import class_accuracy, most_confused
from cnnlab.testing.apptest import figure_titles, messages, page_links, plotly_specs
from cnnlab.testing.models import register_run

pytestmark = pytest.mark.keras
SCRIPT = """
import streamlit as st
from cnnlab.lab import running_lab
from cnnlab.ui.insight import render_errors_section

owner = st.query_params.get("u", "")
run = running_lab().jobs.snapshot(st.query_params.get("run", ""), owner)
if run is not None:
    render_errors_section(owner, run)
"""


@pytest.fixture
def section_script(tmp_path: Path) -> Path:
    """A one-section app beside the real pages/ folder, so its link to /Predict resolves as in the app."""
    (tmp_path / "pages").symlink_to(PROJECT_ROOT / "pages")
    script = tmp_path / "section.py"
    script.write_text(SCRIPT)
    return script


def _section(script: Path, owner: str, run_id: str) -> AppTest:
    at = AppTest.from_file(str(script), default_timeout=30)
    at.query_params.update({"u": owner, "run": run_id})
    return at.run()


def _captions(figure: dict) -> list[str]:
    return [annotation["text"] for annotation in figure["layout"].get("annotations", [])]


def _expected_captions(result, true_digit: int, predicted_digit: int) -> list[str]:
    """The captions the section must show: the cell's images, most confident first (least on the diagonal)."""
    labels = load_mnist().y_test
    members = np.flatnonzero((labels == true_digit) & (result.predicted == predicted_digit))
    ordered = sorted(members, key=lambda i: (-result.confidence[i] if true_digit != predicted_digit
                                             else result.confidence[i]))
    return [f"#{i} · {result.confidence[i]:.0%}" for i in ordered[:24]]


def test_the_most_frequent_mistake_is_shown_first(manager, store, owner, trained, section_script) -> None:
    convnet = trained["convnet"]
    run_id = register_run(store, owner, convnet)
    at = _section(section_script, owner, run_id)
    assert not at.exception
    true_digit, predicted_digit = most_confused(convnet.result.confusion)
    assert any(c.value == f"Showing the most frequent mistake, {true_digit} read as {predicted_digit}, until "
               "you pick one." for c in at.caption)
    confusion, accuracy, cell = plotly_specs(at)
    points = next(trace for trace in confusion["data"] if trace["type"] == "scatter")
    assert len(points["customdata"]) == 100
    assert points["customdata"][true_digit * 10 + predicted_digit] == [
        true_digit, predicted_digit, convnet.result.confusion[true_digit][predicted_digit]]
    assert accuracy["data"][0]["text"] == [f"{a:.1%}" for a in class_accuracy(convnet.result.confusion)]
    count = convnet.result.confusion[true_digit][predicted_digit]
    shown = f"all {count}" if count <= 24 else f"24 of {count:,}"
    assert figure_titles(at)[2] == f"{true_digit} read as {predicted_digit}: {shown}, confidence shown"
    assert _captions(cell) == _expected_captions(convnet.result, true_digit, predicted_digit)
    assert ("Try this model on your own digit", "Predict", f"u={owner}&run={run_id}") in page_links(at)


def test_selected_cells_show_their_images(manager, store, owner, trained, section_script) -> None:
    convnet = trained["convnet"]
    run_id = register_run(store, owner, convnet)
    at = _section(section_script, owner, run_id)
    matrix = convnet.result.confusion
    off_diagonal = [(t, p) for t in range(10) for p in range(10) if t != p and matrix[t][p] > 0]
    chosen = [(3, 3), off_diagonal[-1]]
    at.session_state[f"errors_confusion_{run_id}"] = {"selection": {
        "points": [{"customdata": [t, p, matrix[t][p]], "x": str(p), "y": str(t)} for t, p in chosen],
        "point_indices": [t * 10 + p for t, p in chosen], "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    cells = plotly_specs(at)[2:]
    assert figure_titles(at)[2].startswith("3 read correctly: 24 of ")
    assert _captions(cells[0]) == _expected_captions(convnet.result, 3, 3)
    assert _captions(cells[1]) == _expected_captions(convnet.result, *off_diagonal[-1])


def test_an_untested_run_has_no_matrix_yet(manager, store, owner, trained, section_script) -> None:
    run_id = register_run(store, owner, trained["mlp"])
    (store.root / run_id / "result.json").unlink()
    at = _section(section_script, owner, run_id)
    assert not at.exception
    assert messages(at, "info") == ["The confusion matrix appears once the run has been tested."]


def test_a_result_without_per_image_answers_still_shows_the_matrix(manager, store, owner, trained,
                                                                   section_script) -> None:
    run_id = register_run(store, owner, trained["mlp"])
    path = store.root / run_id / "result.json"
    document = json.loads(path.read_text())
    document["predicted"], document["confidence"] = [], []
    path.write_text(json.dumps(document))
    at = _section(section_script, owner, run_id)
    assert not at.exception
    assert len(plotly_specs(at)) == 2  # the matrix and the accuracy bars, no images
    assert messages(at, "info") == ["This run did not keep its answer for each test image, so the images "
                                     "behind the cells cannot be shown; train it again to see them."]


def test_a_stopped_run_scored_on_the_first_images_shows_those(manager, store, owner, trained,
                                                               section_script) -> None:
    run_id = register_run(store, owner, trained["mlp"])
    path = store.root / run_id / "result.json"
    document = json.loads(path.read_text())
    predicted = np.asarray(document["predicted"][:2000])
    labels = load_mnist().y_test[:2000]
    document["predicted"], document["confidence"] = predicted.tolist(), document["confidence"][:2000]
    document["confusion"] = np.bincount(labels * 10 + predicted, minlength=100).reshape(10, 10).tolist()
    path.write_text(json.dumps(document))
    at = _section(section_script, owner, run_id)
    assert not at.exception
    true_digit, predicted_digit = most_confused(document["confusion"])
    shown = [int(caption.split(" ")[0][1:]) for caption in _captions(plotly_specs(at)[2])]
    members = np.flatnonzero((labels == true_digit) & (predicted == predicted_digit))
    assert shown and set(shown) <= set(members.tolist())  # only images the model was scored on
