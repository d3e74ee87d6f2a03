"""How much disk the runs may take: a budget per student and one for the whole class, checked before a job
starts, and the size of a run's files, known from its stack before it trains.

A trained model is stored as `model.h5` and `model.keras`; a model bigger than `ONE_FILE_OVER_BYTES` is
stored as `.h5` only (its `.keras` is made on demand, in the export worker), so big runs are not written
twice. A run's files are estimated from its weights: float32 weights plus two optimizer slots each (Adam's
moments), as Keras saves them.
"""

from __future__ import annotations

DEFAULT_MAX_STUDENT_BYTES = 200 * 10**6  # run files one student may keep (CNNLAB_MAX_STUDENT_MB)
DEFAULT_MAX_CLASS_BYTES = 5 * 10**9  # run files the whole class may keep (CNNLAB_MAX_CLASS_GB)
ONE_FILE_OVER_BYTES = 20 * 10**6  # a model file bigger than this is written once (.h5), not twice
MODEL_FILE_OVERHEAD_BYTES = 100_000  # a model file's config and HDF5 / zip structure
RUN_OVERHEAD_BYTES = 400_000  # result.json (10,000 predictions), metrics.json, spec and settings
OPTIMIZER_SLOTS = 2  # values an optimizer keeps per weight, at most (Adam's two moments)
FREE_SPACE = "delete old runs on Results"


def model_file_bytes(params: int, slots: int = OPTIMIZER_SLOTS) -> int:
    """Size of one saved model file: the issue's 4,770,010-weight Dense stack → 4,770,010 × 4 B × 3 + 100 kB
    = 57,340,120 bytes."""
    return params * 4 * (1 + slots) + MODEL_FILE_OVERHEAD_BYTES


def keeps_both_files(model_bytes: int) -> bool:
    """True when a model of `model_bytes` is stored as both .h5 and .keras; a bigger one as .h5 only."""
    return model_bytes <= ONE_FILE_OVER_BYTES


def run_bytes(params: int) -> int:
    """A trained run's files, estimated before it trains: its model once or twice, and its results.

    The convnet (60,874 weights): 2 × 830,488 + 400,000 = 2,060,976 bytes; the 4.77 M-weight stack:
    57,340,120 + 400,000 = 57,740,120 (its .keras is made only when asked for).
    """
    model = model_file_bytes(params)
    return model * (2 if keeps_both_files(model) else 1) + RUN_OVERHEAD_BYTES


def size_text(size: int) -> str:
    """Bytes for people, in powers of 1,000: 850_000 → "850 kB", 57_340_120 → "57 MB", 5 × 10⁹ → "5 GB",
    4_980_000_000 → "4.98 GB"."""
    if size < 10**6:
        return f"{round(size / 1000):,} kB"
    if size < 10**9:
        megabytes = size / 10**6
        return f"{megabytes:.1f} MB" if megabytes < 10 else f"{round(megabytes):,} MB"
    return f"{size / 10**9:.2f}".rstrip("0").rstrip(".") + " GB"


def budget_refusal(mine: int, class_total: int, needed: int, max_student: int, max_class: int) -> str | None:
    """Why a run's files do not fit the budgets, naming the budget and how to free space; None if they fit.

    `mine` and `class_total` are the bytes the student's and the class's runs hold (or will hold, for jobs
    not finished yet); `needed` the new run's estimated files.
    """
    if mine + needed > max_student:
        return (f"your runs already hold {size_text(mine)} of the {size_text(max_student)} each student may "
                f"keep, and this run's files would need about {size_text(needed)} more — {FREE_SPACE} "
                "to make room")
    if class_total + needed > max_class:
        return (f"the class's runs already hold {size_text(class_total)} of the {size_text(max_class)} this "
                f"server keeps, and this run's files would need about {size_text(needed)} more — "
                f"{FREE_SPACE}, or ask your teacher to make room")
    return None
