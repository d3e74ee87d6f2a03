"""The order in which waiting jobs start: round robin by student, so nobody waits behind two jobs of another.

A student is a browser when the job manager knows it (every identity a browser takes is one student), else an
identity. Each job gets a round when it is submitted (start-time fair queuing): the student's next round, but
never one already gone by — a newcomer joins the round being served, a student who already has jobs ahead
goes to their next round. Jobs start by round, then in the order they were submitted.

    rounds = RoundRobin()
    rounds.assign("ada"), rounds.assign("ada"), rounds.assign("bo")   # → 0, 1, 0: Bo's job goes second
"""

from __future__ import annotations


class RoundRobin:
    """Rounds for the jobs of many students (not thread-safe: the job manager calls it under its lock)."""

    def __init__(self) -> None:
        """No student has a job yet; round 0 is being served."""
        self._next: dict[str, int] = {}  # student → the round of their next job
        self._serving = 0  # the round of the job that started last

    def assign(self, student: str) -> int:
        """The round of a job `student` submits now: their next one, and not one gone by.

        >>> rounds = RoundRobin()
        >>> [rounds.assign(student) for student in ("ada", "ada", "bo")]
        [0, 1, 0]
        """
        round_ = max(self._next.get(student, 0), self._serving)
        self._next[student] = round_ + 1
        return round_

    def started(self, round_: int) -> None:
        """A job of `round_` started: later newcomers join that round. Students whose next round has gone by
        are forgotten (they would join the round being served anyway)."""
        if round_ > self._serving:
            self._serving = round_
            self._next = {student: next_round for student, next_round in self._next.items()
                          if next_round > round_}
