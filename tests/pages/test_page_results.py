"""The Results page in AppTest: a student's runs newest first, with outcome, curves, confusion matrix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.export_rules import ExportFormat
from cnnlab.core.hyper import config_to_dict
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.jobs import JobLimits, JobManager, JobSnapshot
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import INTERRUPTED_MESSAGE, RunStore
from cnnlab.lab import Lab, Settings
from cnnlab.testing.apptest import (
    RESULTS,
    messages,
    metric,
    open_page,
    plotly_specs,
    popover_labels,
    quick_config,
    shown,
)
from cnnlab.testing.engine import step_until_final

pytestmark = pytest.mark.keras  # the runs here are trained for real, once per module


@dataclass(frozen=True)
class Runs:
    """One student's history: a run cut off by a server restart, then a finished one."""

    lab: Lab
    manager: JobManager
    owner: str
    finished: JobSnapshot
    interrupted_id: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("results-runs")
    owner = new_owner_token()
    earlier_server = RunStore(root)
    lease = earlier_server.acquire_lease()
    lenot = spec_to_dict(preset_spec("lenot"))
    config = config_to_dict(quick_config())
    interrupted_id = earlier_server.create(owner, "lenot", lenot, config, 61_706, lease)
    earlier_server.release_lease(lease)  # that server died mid-run
    module_lab = Lab(Settings(runs_dir=root), limits=JobLimits(max_running=1))
    manager = module_lab.jobs
    job_id = manager.submit(owner, preset_spec("convnet"), quick_config(), "convnet")
    yield Runs(module_lab, manager, owner, step_until_final(manager, owner, job_id)[-1], interrupted_id)
    module_lab.close()


@pytest.fixture
def lab(runs: Runs) -> Lab:
    """The pages' Lab: the module's, holding its runs."""
    return runs.lab


def test_a_student_without_runs_is_sent_to_train(runs: Runs) -> None:
    at = open_page(RESULTS)
    assert messages(at, "info") == ["No runs yet: train a stack and it will be listed here, newest first."]
    assert "Go to Train" in [link.label for link in at.main.get("page_link")]


def test_runs_are_listed_newest_first(runs: Runs) -> None:
    at = open_page(RESULTS, u=runs.owner)
    table = [[shown(cell) for cell in row] for row in at.table[0].value.itertuples(index=False)]
    accuracy = f"{runs.finished.test_accuracy * 100:.2f} %"
    assert [row[:7] for row in table] == [["convnet", "finished", "MNIST", accuracy, "60,874", "1", "512"],
                                          ["lenot", "interrupted", "MNIST", "—", "61,706", "1", "512"]]
    assert at.selectbox(key="results_run").value == runs.finished.job_id


def test_a_finished_run_shows_accuracy_curves_confusion_matrix_and_downloads(runs: Runs) -> None:
    at = open_page(RESULTS, u=runs.owner)
    assert shown(at.subheader[0].value) == "convnet — finished"
    assert metric(at, "Test accuracy") == f"{runs.finished.test_accuracy * 100:.2f} %"
    assert metric(at, "Parameters") == "60,874"
    accuracy = f"{runs.finished.test_accuracy * 100:.2f}"
    assert [b.label for b in at.download_button] == [f"Download convnet-{accuracy}.h5",
                                                     f"Download convnet-{accuracy}.keras",
                                                     "Download the Keras code (.py)",
                                                     "Download the model card (.md)"]
    assert [b.label for b in at.button if b.key.startswith("results_export_")] == [
        "Make the ONNX file", "Make the Keras 2 .h5 file"]
    curves, *error_figures = plotly_specs(at)
    assert curves["data"][0]["x"][-1] == pytest.approx(1.0)
    heatmaps = [trace for figure in error_figures for trace in figure["data"] if trace["type"] == "heatmap"]
    counts = [[int(cell.replace(",", "")) for cell in row] for row in heatmaps[0]["text"]]  # shown counts
    assert len(counts) == 10 and sum(map(sum, counts)) == 10_000
    assert sum(counts[d][d] for d in range(10)) == round(runs.finished.test_accuracy * 10_000)
    headings = [shown(m.value) for m in at.markdown if m.value.startswith("#### ")]
    assert headings == ["#### Curves", "#### Where it errs"]  # learning first, not behind a tab
    assert [tab.label for tab in at.tabs] == ["Our class's handwriting", "Architecture"]
    assert popover_labels(at)[0] == "Download"  # the files last, in one menu (then the sidebar's)
    architecture = [shown(row[1]) for row in at.table[1].value.itertuples(index=False)]
    assert architecture == ["Input"] + [r.type for r in analyze(preset_spec("convnet")).layers]


def test_onnx_is_made_on_demand_then_offered_for_download(runs: Runs) -> None:
    at = open_page(RESULTS, u=runs.owner)
    at.button(key=f"results_export_{runs.finished.job_id}_make_onnx").click().run(timeout=300)
    name = f"convnet-{runs.finished.test_accuracy * 100:.2f}.onnx"
    assert messages(at, "success") == [f"{name} is ready to download."]
    assert f"Download {name}" in [b.label for b in at.download_button]
    makers = [b.label for b in at.button if b.key.startswith("results_export_")]
    assert makers == ["Make the Keras 2 .h5 file"]
    assert runs.manager.model_file(runs.finished.job_id, runs.owner, ExportFormat.ONNX).stat().st_size > 1000


def test_an_interrupted_run_says_why_and_can_run_again(runs: Runs) -> None:
    at = open_page(RESULTS, u=runs.owner)
    at.selectbox(key="results_run").set_value(runs.interrupted_id).run()
    assert messages(at, "error") == [f"This run was interrupted: {INTERRUPTED_MESSAGE}"]
    assert [b.label for b in at.download_button] == ["Download the Keras code (.py)"]
    assert any(message.startswith("The confusion matrix appears once") for message in messages(at, "info"))
    at.button(key=f"results_again_{runs.interrupted_id}").click().run()
    assert messages(at, "success") == ["lenot is queued again; follow it on the Train page."]
    newest = runs.manager.jobs(runs.owner)[0]
    assert newest.name == "lenot" and newest.spec == spec_to_dict(preset_spec("lenot"))
    assert newest.config == quick_config()
    step_until_final(runs.manager, runs.owner, newest.job_id)


def test_another_student_sees_none_of_these_runs(runs: Runs) -> None:
    at = open_page(RESULTS)
    assert not at.table and not at.download_button
    assert not any(re.search("convnet|lenot", shown(m.value)) for m in at.markdown)
