"""After class: the CSV of every run (pandas reads it back) and the zip of every trained .h5."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pandas as pd

from cnnlab.classroom.export import CSV_COLUMNS, architecture_line, models_zip_chunks, runs_csv
from cnnlab.core.datasets import Dataset
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import ModelFormat
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack, finished_run


def test_the_architecture_fits_on_one_line() -> None:
    assert architecture_line(conv_stack(4)) == "Conv2D 4 → MaxPooling2D 2 → Flatten → Dense 10"
    assert architecture_line(spec_to_dict(preset_spec("convnet"))).startswith(
        "Conv2D 16 → MaxPooling2D [2, 2]"
    )


def test_the_csv_has_one_row_per_run_with_its_figures(scripted) -> None:
    manager, runner = scripted
    ada, bob = new_owner_token(), new_owner_token()
    finished_run(manager, runner, ada, conv_stack(4), 0.9712)
    finished_run(manager, runner, bob, conv_stack(5), 0.95)
    table = pd.read_csv(io.BytesIO(runs_csv(manager.store.all_runs(), {ada: "Ada", bob: "Bob, the 2nd"})))
    assert tuple(table.columns) == CSV_COLUMNS
    rows = table[
        ["student", "parameters", "MACs", "epochs", "optimizer", "training images", "test accuracy", "state"]
    ].values.tolist()
    assert rows == [
        ["Ada", 6810, 4 * 26 * 26 * 9 + 6760, 1, "adam", 2000, 0.9712, "finished"],
        ["Bob, the 2nd", 8510, 5 * 26 * 26 * 9 + 8450, 1, "adam", 2000, 0.95, "finished"],
    ]


def test_the_zip_holds_each_model_named_by_student_and_accuracy(scripted) -> None:
    manager, runner = scripted
    ada = new_owner_token()
    run_id = finished_run(manager, runner, ada, conv_stack(4), 0.9712)
    data = b"".join(models_zip_chunks(
        manager.store.all_runs(),
        {ada: "Ada <b>"},
        lambda run: manager.store.model_file(run.run_id, run.owner, ModelFormat.H5),
    ))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == [f"Ada_b-97.12-{run_id[:6]}.h5"]
        assert archive.read(archive.namelist()[0]) == b"h5 bytes"  # the scripted worker's model bytes


def test_the_csv_names_each_runs_dataset(scripted) -> None:
    manager, runner = scripted
    ada = new_owner_token()
    finished_run(manager, runner, ada, conv_stack(4), 0.97)
    finished_run(manager, runner, ada, conv_stack(4), 0.88,
                 dataclasses.replace(CHALLENGE_CONFIG, dataset=Dataset.FASHION))
    table = pd.read_csv(io.BytesIO(runs_csv(manager.store.all_runs(), {ada: "Ada"})))
    assert table[["dataset", "test accuracy"]].values.tolist() == [["MNIST", 0.97], ["Fashion-MNIST", 0.88]]
