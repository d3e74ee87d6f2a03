"""What the teacher downloads after class: a CSV of every run (pandas) and a zip of every trained `.h5`,
each file named by student and accuracy."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from cnnlab.core.arithmetic import analyze
from cnnlab.engine.paths import file_stem
from cnnlab.engine.store import RunRecord

CSV_COLUMNS = (
    "student",
    "run",
    "architecture",
    "parameters",
    "MACs",
    "epochs",
    "batch size",
    "optimizer",
    "learning rate",
    "training images",
    "validation split",
    "seed",
    "test accuracy",
    "seconds",
    "state",
    "submitted (UTC)",
)
_LAYER_SIZE_KEYS = ("filters", "units", "pool_size", "rate")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula


def architecture_line(spec: Mapping) -> str:
    """A stack in one line: "Conv2D 32 → MaxPooling2D [2, 2] → Flatten → Dense 10"."""
    parts = []
    for layer in spec.get("layers", []):
        size = next((layer[key] for key in _LAYER_SIZE_KEYS if key in layer), None)
        parts.append(f"{layer.get('type', '?')}" + ("" if size is None else f" {size}"))
    return " → ".join(parts)


def runs_table(runs: Iterable[RunRecord], names: Mapping[str, str]) -> pd.DataFrame:
    """Every run as one row of `CSV_COLUMNS`, oldest first."""
    rows = []
    for run in sorted(runs, key=lambda run: run.created_at):
        config = run.config
        rows.append(
            (
                names.get(run.owner, "a student"),
                run.name,
                architecture_line(run.spec),
                run.params,
                analyze(run.spec).macs,
                config.get("epochs"),
                config.get("batch_size"),
                config.get("optimizer"),
                config.get("learning_rate"),
                config.get("train_size"),
                config.get("validation_split"),
                config.get("seed"),
                run.test_accuracy,
                None if run.elapsed_s is None else round(run.elapsed_s, 1),
                str(run.state),
                datetime.fromtimestamp(run.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            )
        )
    return pd.DataFrame(rows, columns=list(CSV_COLUMNS))


def spreadsheet_safe(value: object) -> object:
    """A cell a spreadsheet shows as text: a string starting with =, +, -, @, a tab or a carriage return
    (which a spreadsheet would run as a formula) gets a leading apostrophe; anything else is kept.

    Example: spreadsheet_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV for a spreadsheet: every text cell `spreadsheet_safe`, UTF-8 with a byte-order mark so
    that spreadsheets show accents ("Chloé") as typed."""
    return table.map(spreadsheet_safe).to_csv(index=False).encode("utf-8-sig")


def runs_csv(runs: Iterable[RunRecord], names: Mapping[str, str]) -> bytes:
    """`runs_table` as CSV bytes for a download button (`csv_bytes`)."""
    return csv_bytes(runs_table(runs, names))


def model_file_name(student: str, run: RunRecord) -> str:
    """ "Chloé-98.12-1f3a9c.h5": student (accents kept), test accuracy and the start of the run id (two runs
    never clash)."""
    accuracy = "untested" if run.test_accuracy is None else f"{run.test_accuracy * 100:.2f}"
    return f"{file_stem(student, 'student', accents=True)}-{accuracy}-{run.run_id[:6]}.h5"


def models_zip(
    runs: Iterable[RunRecord], names: Mapping[str, str], model_path: Callable[[RunRecord], Path | None]
) -> bytes:
    """A zip of every run's trained `.h5` (runs without a model file are skipped)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for run in runs:
            path = model_path(run)
            if path is not None:
                archive.write(path, model_file_name(names.get(run.owner, "a student"), run))
    return buffer.getvalue()
