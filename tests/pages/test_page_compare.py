"""/Compare in AppTest: the student's finished runs side by side, and the way back to Build."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.spec_json import decode_spec_from_url
from cnnlab.testing.apptest import messages, open_page, page_links, plotly_specs, shown
from cnnlab.testing.models import register_run
from cnnlab.ui.insight import COMPARE_KEY

pytestmark = pytest.mark.keras
COMPARE = "pages/5_Compare.py"


def test_without_a_trained_run_the_page_says_how_to_get_one(manager, owner) -> None:
    at = open_page(COMPARE, u=owner)
    assert not at.exception
    assert any("no trained model yet" in text for text in messages(at, "info"))


def test_two_runs_side_by_side(manager, store, owner, trained) -> None:
    mlp, convnet = trained["mlp"], trained["convnet"]
    first = register_run(store, owner, mlp)
    second = register_run(store, owner, convnet)
    register_run(store, "y" * 24, convnet)  # another student's run never shows
    at = open_page(COMPARE, u=owner)
    assert not at.exception
    picker = at.multiselect(key=COMPARE_KEY)
    assert picker.value == [second, first] and len(picker.options) == 2

    table = at.dataframe[0].value
    assert list(table.columns) == ["run", "architecture", "dataset", "parameters", "MACs", "epochs",
                                   "seconds", "test accuracy", "test images"]
    assert table["dataset"].tolist() == ["MNIST", "MNIST"]
    assert table["test images"].tolist() == [10_000, 10_000]  # both scored on the whole test set
    assert table["run"].tolist() == ["#2 small convnet", "#1 small mlp"]
    assert table["parameters"].tolist() == [convnet.params, mlp.params] == [
        analyze(convnet.spec).total_params, analyze(mlp.spec).total_params]
    assert table["MACs"].tolist() == [analyze(convnet.spec).macs, analyze(mlp.spec).macs]
    assert table["epochs"].tolist() == [2, 2]
    assert table["test accuracy"].tolist() == pytest.approx([convnet.result.test_accuracy,
                                                             mlp.result.test_accuracy])

    curves, scatter = plotly_specs(at)
    names = [trace["name"] for trace in curves["data"] if trace.get("showlegend", True)]
    assert names == [f"{run} · {kind}" for run in ("#2 small convnet", "#1 small mlp")
                     for kind in ("training batches", "training, end of epoch", "validation")]
    batches = [trace for trace in curves["data"] if trace["name"].endswith("training batches")]
    assert len(batches) == 4  # each run's batches in both panels, beyond its two epoch points
    assert all(len(trace["x"]) > 2 and max(trace["x"]) == pytest.approx(2.0) for trace in batches)
    assert scatter["data"][0]["text"] == ["#2 small convnet", "#1 small mlp"]
    assert scatter["layout"]["xaxis"]["type"] == "log"

    links = {shown(label): query for label, page, query in page_links(at) if "spec=" in query}
    assert set(links) == {"Edit #2 small convnet on Build", "Edit #1 small mlp on Build"}
    query = parse_qs(links["Edit #2 small convnet on Build"])
    assert query["u"] == [owner]
    assert analyze(decode_spec_from_url(query["spec"][0])).spec == analyze(convnet.spec).spec


def test_choosing_runs(manager, store, owner, trained) -> None:
    first = register_run(store, owner, trained["mlp"])
    register_run(store, owner, trained["convnet"])
    at = open_page(COMPARE, u=owner)
    at.multiselect(key=COMPARE_KEY).set_value([first]).run()
    assert at.dataframe[0].value["run"].tolist() == ["#1 small mlp"]
    at.multiselect(key=COMPARE_KEY).set_value([]).run()
    assert not at.exception
    assert "Pick at least one run above." in messages(at, "info")
    assert not at.dataframe
