"""What the teacher downloads after class: a CSV of every run (pandas) and a zip of every trained `.h5`,
each file named by student and accuracy. The zip is made as it is sent (`models_zip_chunks`), a megabyte at a
time, so a class's gigabyte of models never sits in the web server's memory."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from cnnlab.core.arithmetic import analyze
from cnnlab.core.datasets import dataset_of
from cnnlab.engine.paths import file_stem
from cnnlab.engine.scores import test_set_size
from cnnlab.engine.store import RunRecord

ZIP_CHUNK_BYTES = 1 << 20  # the zip is sent in pieces of about this size

CSV_COLUMNS = (
    "student",
    "run",
    "architecture",
    "dataset",
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
    "test images",  # its score covers these; fewer than all: stopped while testing, not on the leaderboard
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
                dataset_of(config.get("dataset")).display_name,
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
                None if run.test_accuracy is None else run.tested_images or test_set_size(config),
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


def models_zip_chunks(
    runs: Iterable[RunRecord], names: Mapping[str, str], model_path: Callable[[RunRecord], Path | None]
) -> Iterator[bytes]:
    """A zip of every run's trained `.h5`, piece by piece as the files are read (about `ZIP_CHUNK_BYTES`
    each): what the web server streams to the teacher. Runs without a model file, or whose file was deleted
    meanwhile, are skipped."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for run in runs:
            path = model_path(run)
            try:
                source = path.open("rb") if path is not None else None
            except FileNotFoundError:  # its student deleted the run a moment ago
                source = None
            if source is None:
                continue
            with source:
                name = model_file_name(names.get(run.owner, "a student"), run)
                entry = zipfile.ZipInfo.from_file(path, name)
                with archive.open(entry, "w") as target:
                    while block := source.read(ZIP_CHUNK_BYTES):
                        target.write(block)
                        yield sink.take()
    yield sink.take()  # the central directory, written when the archive closes


class _Sink(io.RawIOBase):
    """Where the zip is written: it keeps the bytes until `take` hands them on (it cannot seek, so zipfile
    writes each entry's sizes after its data)."""

    def __init__(self) -> None:
        super().__init__()
        self._pending = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._pending += data
        return len(data)

    def take(self) -> bytes:
        """The bytes written since the last call."""
        taken, self._pending = bytes(self._pending), bytearray()
        return taken
