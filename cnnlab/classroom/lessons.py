"""Lessons in a class: which lesson each student follows (the teacher's class lesson first, else one they
chose alone), checking their guesses against their own stack, moving them on when a stack or run step is
done, the teacher's Reveal, and the class's progress for the dashboard, the leaderboard and the command line.

Built once by the composition root (`Lab.lessons`) over the lesson library, the classroom database, the runs
store (a run step looks at the student's finished runs) and the drafts (a stack step at their stack).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cnnlab.classroom.challenges import ChallengeStore
from cnnlab.classroom.lesson_library import LessonFile, LessonLibrary, read_source
from cnnlab.classroom.lesson_progress import ClassLesson, LessonProgress, Place
from cnnlab.classroom.roster import Roster
from cnnlab.core.arithmetic import Analysis, analyze
from cnnlab.core.lesson import Lesson, Step, StepKind
from cnnlab.core.lesson_answers import Answer, NoAnswer, Verdict, answer, judge
from cnnlab.core.lesson_goals import RunFacts, run_status, stack_status
from cnnlab.engine.drafts import Drafts
from cnnlab.engine.store import JobState, RunRecord, RunStore

HINT_AFTER = 2  # wrong guesses before the hint shows


@dataclass(frozen=True)
class Following:
    """The lesson a student follows now and their place in it."""

    lesson: Lesson
    track: str
    in_class: bool  # the teacher's lesson for the class (else one the student chose)
    place: Place
    revealed: bool  # the teacher revealed the answer of the student's current step
    entered: bool = False  # the student entered the lesson just now: its start preset is still to open

    @property
    def total(self) -> int:
        """How many steps the lesson has."""
        return len(self.lesson.steps)

    @property
    def finished(self) -> bool:
        """True once every step is done."""
        return self.place.step >= self.total

    @property
    def step(self) -> Step | None:
        """The current step, or None once finished."""
        return None if self.finished else self.lesson.steps[self.place.step]

    @property
    def number(self) -> int:
        """The current step's number, 1-based (one past the last once finished)."""
        return min(self.place.step, self.total) + 1

    @property
    def answer_open(self) -> bool:
        """True when the current guess step's answer may be shown: revealed by the teacher, or asked for."""
        return self.revealed or self.place.answer_shown

    @property
    def progress(self) -> str:
        """ "step 3 of 7", or "finished (7 steps)"."""
        if self.finished:
            return f"finished ({self.total} step{'s' * (self.total != 1)})"
        return f"step {self.number} of {self.total}"


@dataclass(frozen=True)
class GuessOutcome:
    """A guess checked: the verdict (None when there was nothing to check), the answer or why there is none,
    the wrong guesses at this step so far, and the hint once there were enough of them."""

    verdict: Verdict | None
    found: Answer | NoAnswer | None
    tries: int = 0
    hint: str = ""


@dataclass(frozen=True)
class StudentPlace:
    """One student's place in the class lesson, for the teacher."""

    name: str
    number: int  # 1-based step (one past the last once finished)
    total: int
    kind: StepKind | None  # None once finished
    seconds: float  # on this step so far
    tries: int

    @property
    def finished(self) -> bool:
        """True once the student did every step."""
        return self.number > self.total


@dataclass(frozen=True)
class ClassProgress:
    """The class lesson and every student's place in it, stuck students first (longest on their step)."""

    running: ClassLesson
    lesson: Lesson
    students: tuple[StudentPlace, ...]
    revealed: frozenset[int]  # 0-based steps

    def on_step(self, number: int) -> tuple[str, ...]:
        """The names of the students on step `number` (1-based)."""
        return tuple(student.name for student in self.students if student.number == number)


def _facts(record: RunRecord, macs: bool) -> RunFacts:
    epochs = record.config.get("epochs") if isinstance(record.config, dict) else None
    return RunFacts(record.test_accuracy, record.params, epochs if isinstance(epochs, int) else 0,
                    analyze(record.spec).macs if macs else 0)


class Lessons:
    """Every student's lessons (see the module docstring)."""

    def __init__(self, library: LessonLibrary, progress: LessonProgress, challenges: ChallengeStore,
                 roster: Roster, store: RunStore, drafts: Drafts) -> None:
        """Follow lessons from `library`, keep places in `progress`; a class lesson's last step may start a
        challenge in `challenges`; run steps read `store`, stack steps `drafts`."""
        self.library = library
        self.progress = progress
        self._challenges = challenges
        self._roster = roster
        self._store = store
        self._drafts = drafts

    # ------------------------------------------------------------------------- the student's lesson

    def follow(self, owner: str) -> Following | None:
        """The lesson `owner` follows now — the class's while the teacher runs one, else their own — and
        their place in it (entered at step 1 on first sight); None when they follow none."""
        running = self.progress.class_lesson()
        own = None if running is not None else self.progress.own(owner)
        chosen = running or own
        if chosen is None:
            return None
        lesson = read_source(chosen.source, chosen.name).lesson
        if lesson is None:
            return None
        place, entered = self.progress.enter(owner, chosen.track)
        revealed = running is not None and place.step in self.progress.revealed(running.lesson_id)
        following = Following(lesson, chosen.track, running is not None, place, revealed, entered)
        if entered:
            self._arrived(following)
        return following

    def update(self, owner: str, analysis: Analysis | None = None) -> Following | None:
        """`follow`, after moving the student past every stack step their stack meets and every run step
        one of their runs (finished since the step began) meets. `analysis`: their stack as a page already
        analysed it (else it is read from their draft)."""
        following = self.follow(owner)
        for _ in range(following.total if following else 0):
            step = following.step
            if step is None or step.kind not in (StepKind.stack, StepKind.run):
                break
            if step.kind == StepKind.stack:
                analysis = analysis or analyze(self._drafts.current(owner))
                done = stack_status(step.stack, analysis).done
            else:
                done = self._run_done(owner, step, following.place.step_started_at)
            if not done or not self._move(owner, following, following.place.step + 1):
                break
            following = self.follow(owner)
        return following

    def _finished_since(self, owner: str, since: float) -> list[RunRecord]:
        """The student's runs that finished after `since`, newest first."""
        return [run for run in self._store.runs(owner)
                if run.state == JobState.FINISHED and run.updated_at >= since]

    def _run_done(self, owner: str, step: Step, since: float) -> bool:
        runs = self._finished_since(owner, since)
        return any(run_status(step.run, _facts(run, step.run.max_macs is not None)).done for run in runs)

    def latest_run_notes(self, owner: str, following: Following) -> tuple[str, ...]:
        """At a run step: the student's latest run since the step began, and what it lacks for the goal
        ("97.05 % test accuracy", "60,874 parameters — more than 10,000"); () before any such run."""
        step = following.step
        if step is None or step.kind != StepKind.run:
            return ()
        runs = self._finished_since(owner, following.place.step_started_at)
        if not runs:
            return ()
        latest = max(runs, key=lambda run: run.updated_at)
        facts = _facts(latest, step.run.max_macs is not None)
        tested = facts.test_accuracy is not None
        accuracy = f"{facts.test_accuracy * 100:.2f} % test accuracy" if tested else "not tested"
        return (f"{latest.name}: {accuracy}", *run_status(step.run, facts).notes)

    def _move(self, owner: str, following: Following, to_step: int) -> bool:
        moved = self.progress.move(owner, following.track, following.place.step, to_step)
        if moved:
            place = Place(to_step, time.time(), 0, False)
            self._arrived(Following(following.lesson, following.track, following.in_class, place, False))
        return moved

    def _arrived(self, following: Following) -> None:
        """A student reached a step: the class lesson's challenge starts when its step is first reached."""
        step = following.step
        if step is None or step.challenge is None or not following.in_class:
            return
        running = self.progress.class_lesson()
        if running is not None and running.track == following.track and \
                self.progress.claim_challenge(running.lesson_id):
            self._challenges.start(step.challenge)

    def guess(self, owner: str, text: object, analysis: Analysis) -> GuessOutcome:
        """Check `text` against the current guess step's answer on the student's stack `analysis`: right
        moves them to the next step; a wrong (readable) guess counts as a try; the hint comes after two."""
        following = self.follow(owner)
        step = following.step if following else None
        if step is None or step.kind != StepKind.guess:
            return GuessOutcome(None, None)
        found = answer(step, analysis)
        if isinstance(found, NoAnswer):
            return GuessOutcome(None, found, following.place.tries)
        verdict = judge(text, found)
        tries = following.place.tries
        if verdict == Verdict.right:
            self._move(owner, following, following.place.step + 1)
        elif verdict == Verdict.wrong:
            tries = self.progress.add_try(owner, following.track, following.place.step)
        return GuessOutcome(verdict, found, tries, step.hint if tries >= HINT_AFTER else "")

    def next_step(self, owner: str, number: int) -> bool:
        """Move on from step `number` (1-based, the one the page showed) when it is a read step or a guess
        whose answer was shown; False when the student is elsewhere by now."""
        following = self.follow(owner)
        if following is None or following.number != number or following.step is None:
            return False
        if following.step.kind == StepKind.read or (following.step.kind == StepKind.guess
                                                    and following.answer_open):
            return self._move(owner, following, following.place.step + 1)
        return False

    def show_answer(self, owner: str, number: int) -> bool:
        """A student following a lesson alone asks for the answer of guess step `number` after two tries."""
        following = self.follow(owner)
        if following is None or following.in_class or following.number != number \
                or following.place.tries < HINT_AFTER:
            return False
        self.progress.show_answer(owner, following.track, following.place.step)
        return True

    def choose(self, owner: str, name: object) -> Following | None:
        """Follow lesson `name` alone (resuming it where the student left it); None for an unknown name."""
        file = self.library.get(name)
        if file is None:
            return None
        self.progress.choose(owner, file.name, file.source)
        own = self.progress.own(owner)
        place, entered = self.progress.enter(owner, own.track)
        following = Following(file.lesson, own.track, False, place, False, entered)
        if entered:
            self._arrived(following)
        return following

    def restart(self, owner: str) -> bool:
        """Go back to step 1 of the lesson the student follows alone (a class lesson cannot be restarted)."""
        following = self.follow(owner)
        if following is None or following.in_class:
            return False
        return self._move(owner, following, 0)

    def leave(self, owner: str) -> None:
        """Stop following the lesson chosen alone (the place is kept for another time)."""
        self.progress.leave(owner)

    # ------------------------------------------------------------------------------------ the teacher

    def start_class(self, file: LessonFile) -> ClassLesson:
        """Start lesson `file` for the whole class (ending the one before): every student follows it."""
        return self.progress.start_class(file.name, file.source)

    def end_class(self) -> Lesson | None:
        """End the class's lesson and return it (each student's own lesson, if any, comes back)."""
        ended = self.progress.end_class()
        return read_source(ended.source, ended.name).lesson if ended else None

    def reveal(self, number: int) -> bool:
        """Show the answer of the class lesson's guess step `number` (1-based) to every student on it."""
        progress = self.class_progress()
        if progress is None or not 1 <= number <= len(progress.lesson.steps):
            return False
        if progress.lesson.steps[number - 1].kind != StepKind.guess:
            return False
        self.progress.reveal(progress.running.lesson_id, number - 1)
        return True

    def class_progress(self) -> ClassProgress | None:
        """The class lesson with every student's place (a student who has not opened a page since it
        started is on step 1 since the start), stuck students first; None when no lesson runs."""
        running = self.progress.class_lesson()
        lesson = read_source(running.source, running.name).lesson if running else None
        if running is None or lesson is None:
            return None
        places = self.progress.places(running.track)
        now = time.time()
        total = len(lesson.steps)
        students = []
        for student in self._roster.students():
            place = places.get(student.owner, Place(0, running.started_at, 0, False))
            step = min(place.step, total)
            kind = lesson.steps[step].kind if step < total else None
            seconds = max(now - place.step_started_at, 0)
            students.append(StudentPlace(student.name, step + 1, total, kind, seconds, place.tries))
        students.sort(key=lambda s: (s.finished, -s.seconds))
        return ClassProgress(running, lesson, tuple(students), self.progress.revealed(running.lesson_id))
