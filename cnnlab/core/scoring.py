"""The leaderboard's order: each student's best run, best first.

Score is the accuracy the challenge ranks by (`core.challenge.ChallengeScore`: on the 10,000 test images, or
on our class's handwriting); a tie goes to fewer parameters, then to the earlier run. Plain Python, so the
rule is tested without a server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ScoredRun:
    """One finished run as the leaderboard sees it."""

    student: str  # the owner token: grouping only, never shown
    run_id: str
    score: float  # the accuracy ranked by
    params: int
    created_at: float  # seconds since the epoch; earlier wins a tie
    epochs: int
    elapsed_s: float | None


def score_key(run: ScoredRun) -> tuple[float, int, float]:
    """Sort key, smaller is better: higher accuracy, then fewer parameters, then the earlier run."""
    return -run.score, run.params, run.created_at


def best_per_student(runs: Iterable[ScoredRun]) -> list[ScoredRun]:
    """Each student's best run by `score_key`, best student first.

    Example: runs (a, 0.98, 9,000 params), (b, 0.98, 8,000), (a, 0.97, 5,000) → [b's run, a's 0.98 run].
    """
    best: dict[str, ScoredRun] = {}
    for run in runs:
        held = best.get(run.student)
        if held is None or score_key(run) < score_key(held):
            best[run.student] = run
    return sorted(best.values(), key=score_key)
