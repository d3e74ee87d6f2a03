"""A challenge's leaderboard: each student's best run submitted while it was active, best first.

Every run submitted during a challenge passed its limits in the job manager, so the challenge's window
(start to end) picks its runs. Only whole scores rank (`engine.scores.is_whole`: scored on every test image;
a run stopped while testing ranks once its test is finished). The board freezes at "End": a run submitted in
time but scored after the end (it was still queued or training) is not ranked; it is listed below the board
as "after the end". Hidden runs are left out; names only, never owner tokens. A challenge ranks by test
accuracy, or by accuracy on our class's handwriting (`ChallengeScore`): then only digits runs with a score on
the class's drawings are ranked (`class_digit_scores`; a run is scored at the end of its training, or again
from Results).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cnnlab.classroom.challenges import SetChallenge
from cnnlab.classroom.class_digit_scores import ScoreLine
from cnnlab.core.challenge import ChallengeScore
from cnnlab.core.class_digits import is_digits_run
from cnnlab.core.scoring import ScoredRun, best_per_student
from cnnlab.engine.scores import is_whole
from cnnlab.engine.store import JobState, RunRecord

SCORED_STATES = frozenset({JobState.FINISHED, JobState.STOPPED})  # tested on the 10,000 test images


@dataclass(frozen=True)
class Standing:
    """One row of the leaderboard."""

    rank: int  # 1 = best
    name: str
    score: float  # the accuracy the challenge ranks by
    test_accuracy: float
    params: int
    epochs: int
    elapsed_s: float | None
    run_id: str  # for the teacher's "hide from the leaderboard"; the projector page never shows it
    drawings: int | None = None  # ranked by the class's handwriting: how many drawings the score covers


def _score(challenge: SetChallenge, run: RunRecord, class_scores: Mapping[str, ScoreLine]) -> float | None:
    """The accuracy `run` is ranked by in `challenge`, or None when it has none (not ranked)."""
    if challenge.challenge.score == ChallengeScore.CLASS_DIGITS:
        line = class_scores.get(run.run_id)
        return line.accuracy if line is not None and is_digits_run(run.config) else None
    return run.test_accuracy


def scored_in_time(challenge: SetChallenge, run: RunRecord) -> bool:
    """True for a run scored (it reached its final state) before `challenge` ended, or while it is active."""
    return challenge.ended_at is None or run.updated_at <= challenge.ended_at


def challenge_runs(
    challenge: SetChallenge, runs: Iterable[RunRecord], hidden: frozenset[str],
    class_scores: Mapping[str, ScoreLine] | None = None, *, after_the_end: bool = False,
) -> list[ScoredRun]:
    """The visible runs with a whole test score submitted while `challenge` was active that have the score it
    ranks by (`class_scores`: runs' scores on the class's handwriting by run id) and were scored before it
    ended (or, with `after_the_end`, those scored after it ended)."""
    class_scores = class_scores or {}
    return [
        ScoredRun(
            student=run.owner,
            run_id=run.run_id,
            score=score,
            params=run.params,
            created_at=run.created_at,
            epochs=int(run.config.get("epochs", 0)),
            elapsed_s=run.elapsed_s,
        )
        for run in runs
        if run.state in SCORED_STATES
        and run.test_accuracy is not None
        and is_whole(run.tested_images, run.config)
        and challenge.covers(run.created_at)
        and run.run_id not in hidden
        and scored_in_time(challenge, run) != after_the_end
        and (score := _score(challenge, run, class_scores)) is not None
    ]


def standings(
    challenge: SetChallenge, runs: Iterable[RunRecord], names: Mapping[str, str], hidden: frozenset[str],
    class_scores: Mapping[str, ScoreLine] | None = None, *, after_the_end: bool = False,
) -> list[Standing]:
    """The leaderboard of `challenge`: one row per student (their best run), best first; a student missing
    from `names` shows as "a student". `class_scores` (by run id) rank a class-digits challenge. With
    `after_the_end`: the same for the runs scored after it ended."""
    runs = list(runs)
    by_id = {run.run_id: run for run in runs}
    best = best_per_student(
        challenge_runs(challenge, runs, hidden, class_scores, after_the_end=after_the_end))
    by_class = challenge.challenge.score == ChallengeScore.CLASS_DIGITS
    return [
        Standing(
            rank,
            names.get(run.student, "a student"),
            run.score,
            by_id[run.run_id].test_accuracy,
            run.params,
            run.epochs,
            run.elapsed_s,
            run.run_id,
            class_scores[run.run_id].drawings if by_class else None,
        )
        for rank, run in enumerate(best, start=1)
    ]
