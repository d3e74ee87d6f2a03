"""Replaying a finished run's curves at the pace they were recorded: where the run was (in fractional
epochs) a given number of seconds into its training, from each epoch's recorded training time.

Plain Python: the Results page redraws the curves up to `position(...)` a few times a second.
"""

from __future__ import annotations

from collections.abc import Sequence

MIN_SECONDS = 2.0  # a replay lasts at least this long, so even a 1-second run is seen growing


def position(epoch_seconds: Sequence[float], last_x: float, total_s: float, elapsed_s: float) -> float:
    """How far (in epochs) the run had trained `elapsed_s` into its replay.

    Complete epochs take the seconds they took (`epoch_seconds`); what follows them (a stopped run's last,
    partial epoch, up to `last_x`) takes the rest of `total_s`; without recorded times the pace is even.
    The whole replay is stretched to at least `MIN_SECONDS`.

    >>> position([10.0, 10.0], 2.0, 20.0, 15.0)
    1.5
    >>> position([6.0], 1.5, 9.0, 7.5)
    1.25
    >>> position([], 0.5, 0.0, 1.0)
    0.25
    """
    recorded = sum(epoch_seconds)
    total = max(total_s, recorded)
    scale = max(1.0, MIN_SECONDS / total) if total > 0 else 1.0
    if total <= 0:
        return min(last_x, last_x * elapsed_s / MIN_SECONDS)
    clock = elapsed_s / scale
    done = 0.0
    for epoch, seconds in enumerate(epoch_seconds):
        if clock <= done + seconds:
            return min(last_x, epoch + (clock - done) / seconds if seconds > 0 else epoch + 1.0)
        done += seconds
    rest, tail = total - recorded, last_x - len(epoch_seconds)
    if rest <= 0 or tail <= 0:
        return last_x
    return min(last_x, len(epoch_seconds) + tail * min(1.0, (clock - done) / rest))


def finished(epoch_seconds: Sequence[float], total_s: float, elapsed_s: float) -> bool:
    """True once a replay `elapsed_s` in has shown the whole run."""
    total = max(total_s, sum(epoch_seconds))
    return elapsed_s >= max(total, MIN_SECONDS)
