"""The leaderboard's order: accuracy, then fewer parameters, then the earlier run; one row per student."""

from __future__ import annotations

from cnnlab.core.scoring import ScoredRun, best_per_student


def _run(student: str, run_id: str, accuracy: float, params: int, created_at: float) -> ScoredRun:
    return ScoredRun(student, run_id, accuracy, params, created_at, epochs=1, elapsed_s=10.0)


def test_each_student_counts_once_with_their_best_run() -> None:
    runs = [_run("a", "a1", 0.97, 5_000, 1), _run("a", "a2", 0.98, 9_000, 2), _run("b", "b1", 0.96, 100, 3)]
    assert [run.run_id for run in best_per_student(runs)] == ["a2", "b1"]


def test_a_tie_in_accuracy_goes_to_fewer_parameters_then_to_the_earlier_run() -> None:
    runs = [
        _run("late", "l", 0.98, 8_000, 30),
        _run("big", "g", 0.98, 9_000, 10),
        _run("early", "e", 0.98, 8_000, 20),
        _run("top", "t", 0.99, 60_000, 40),
    ]
    assert [run.run_id for run in best_per_student(runs)] == ["t", "e", "l", "g"]


def test_a_students_tied_runs_keep_the_earlier_one() -> None:
    runs = [_run("a", "second", 0.98, 8_000, 2), _run("a", "first", 0.98, 8_000, 1)]
    assert [run.run_id for run in best_per_student(runs)] == ["first"]


def test_no_runs_no_rows() -> None:
    assert best_per_student([]) == []
