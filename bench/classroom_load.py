"""Classroom load test: a whole class on one CNN Lab server, some of them training, measured.

    .venv/bin/python bench/classroom_load.py --users 30 --trainers 5 [--json]

Starts the app as the README does (`make run PORT=<free port>`, bound to loopback, with its own temporary runs
directory) and opens `--users` real Streamlit sessions against it over the browser's own protocol
(`bench/_streamlit_client.py`: the websocket `/_stcore/stream`, protobuf messages — one coroutine per student
instead of one chromium per student, so the figures measure the server). Every student opens
`/Build?preset=convnet` and keeps editing the stack like a student does — pick a layer, change the first
Conv2D's filters, add a Dense layer at a chosen position, delete it — pausing `--think-s` (±50 %) between
changes. First the whole class edits for `--baseline-s` with no training; then `--trainers` students go to
Train, one after another, and submit a short job each (`--epochs`, `--train-size` images); they watch it grow
(the page's live fragment reruns every second), check it on Results, and go back to editing. The test ends
when every submitted job has ended (or after `--max-s`).

Measured: the latency of every Build change from the request to the new total ("Parameters") arriving — the
moment a browser could show it — during training (`p50_ms`, `p95_ms`) and in the baseline phase of the same
run; every answer is checked against `cnnlab.core.arithmetic.analyze` of the student's stack. Choices that
leave the stack as it is (picking a layer to edit, the next layer's type, units and position) rerun only
their panel (a fragment), as in a browser: those are timed to the end of that rerun. `stack_p95_ms` and
`choice_p95_ms` split the p95 by the two kinds. `errors` counts
wrong totals, error messages, tracebacks, timeouts and lost connections. The runs index is read at the end:
`jobs_finished` (finished, with a model file), `jobs_lost` (submitted but not finished) and `jobs_in_order`
(jobs started in the order they were submitted: the queue is FIFO). `server_peak_rss_mb` is the peak resident
memory of the server and all its children (the training workers), sampled twice a second.

The teacher's dashboard (`/Teacher?key=…`, its class table redrawn every 5 s) and the projector's
`/Leaderboard` (every 10 s, over a challenge without limits set at the start) stay open all lesson long, as in
a class; `teacher_refresh_p95_ms` and `leaderboard_refresh_p95_ms` time their redraws (request to the end of
the fragment run), and their errors count too. `--no-classroom-tabs` leaves them out, to compare.

To try a knob, pass the server extra environment, e.g. `--server-env STREAMLIT_RUNNER_POST_SCRIPT_GC=true` (a
Streamlit option) and compare; `web_server_core_share` tells a saturated server (near 1.0) from a starved one.

Nothing leaves the machine (the server listens on 127.0.0.1 only) and everything started is stopped at the
end, also on Ctrl-C or SIGTERM: the server runs in its own process group, which is terminated as a whole.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from streamlit.proto.Alert_pb2 import Alert

from cnnlab.core.arithmetic import analyze
from cnnlab.core.challenge import Challenge
from cnnlab.core.presets import preset_spec
from cnnlab.core.stack_doc import Stack, stack_from_spec
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import JobState, ModelFormat, RunStore
from cnnlab.lab import TEACHER_KEY_ENV, Lab, Settings
from cnnlab.testing.apptest import shown
from cnnlab.testing.build_edits import FILTERS, UNITS, edit_round
from cnnlab.testing.server import MemorySampler, cpu_seconds, started_server, streamlit_pid
from cnnlab.testing.streamlit_client import ProtocolError, Run, StreamlitSession

GOAL_P95_MS = 1000
TEACHER_KEY = "classroom-load-teacher-key"
OBSERVED = {"teacher": ("Teacher", f"key={TEACHER_KEY}"), "leaderboard": ("Leaderboard", "")}
MAX_USERS = 200
MEASURED_PHASES = ("baseline", "training")  # the phases whose changes are timed


def percentile(values: list[float], fraction: float) -> float | None:
    """The `fraction` quantile (nearest rank): percentile([1, 2, 3, 4], 0.5) == 2."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


# ------------------------------------------------------------------------------------------- the class


class Change(StrEnum):
    """What a student's action does to the Build page."""

    stack = "stack"  # changes the stack (not e.g. filters set to what they were): timed to the new total
    choice = "choice"  # picks a layer, or a type or setting for the next layer: the total stays; timed to
    # the new total when the whole page reran, to the end of the panel's own rerun otherwise


@dataclass
class Classroom:
    """Shared by every student coroutine: the phase, the figures, the errors."""

    think_s: float
    deadline: float
    server_pid: int | None
    phase: str = "connecting"  # connecting → baseline → training → done
    marks: list[tuple[str, float, float]] = field(default_factory=list)  # (phase, start, server CPU s)
    by_change: dict[tuple[str, Change], list[float]] = field(default_factory=dict)  # (phase, kind) → ms
    run_ms: list[float] = field(default_factory=list)  # Build runs (sent → finished) timed to a new total
    open_ms: list[float] = field(default_factory=list)
    refresh_ms: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in OBSERVED})
    errors: list[str] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)  # owners whose job the Train page confirmed
    trainers_left: int = 0
    finished_event: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, phase: str, change: Change, ms: float) -> None:
        """One change's latency, in `phase`, of kind `change`."""
        self.by_change.setdefault((phase, change), []).append(ms)

    def latencies(self, phase: str) -> list[float]:
        """Every change's latency in `phase`, of either kind."""
        return [ms for change in Change for ms in self.by_change.get((phase, change), [])]

    def p95(self, phase: str, change: Change) -> float | None:
        """The p95 latency of changes of kind `change` in `phase`."""
        return percentile(self.by_change.get((phase, change), []), 0.95)

    def enter(self, phase: str) -> None:
        """Begin `phase`, noting the time and the web server's CPU time so far."""
        if phase != self.phase:
            self.phase = phase
            self.marks.append((phase, time.monotonic(), cpu_seconds(self.server_pid)))

    def core_share(self, phase: str) -> float | None:
        """Fraction of one core the web server process used during `phase` (its script runs share one GIL,
        so near 1.0 it is saturated; well below 1.0 with slow answers, it was starved of CPU)."""
        ends = [*self.marks[1:], ("end", time.monotonic(), cpu_seconds(self.server_pid))]
        for (name, start, cpu), (_, end, cpu_end) in zip(self.marks, ends, strict=True):
            if name == phase and end > start:
                return round((cpu_end - cpu) / (end - start), 2)
        return None

    def error(self, who: str, message: str) -> None:
        """Record one error (kept whole; the report shows the first few)."""
        self.errors.append(f"{who}: {message}")

    def over(self) -> bool:
        """True once the test should wind down (every job ended, or out of time)."""
        return self.phase == "done" or time.monotonic() > self.deadline

    def trainer_done(self) -> None:
        """One trainer has seen its job end (or could not submit); the last one ends the test."""
        self.trainers_left -= 1
        if self.trainers_left <= 0:
            self.enter("done")
            self.finished_event.set()


def run_problems(run: Run) -> list[str]:
    """What a student should never see: tracebacks, error messages, a missing page, a failed script."""
    problems = [f"traceback: {element.proto.message[:200]}" for element in run.all("exception")]
    problems += [f"error shown: {shown(element.proto.body)[:200]}" for element in run.all("alert")
                 if element.proto.format == Alert.ERROR]
    if -1 in run.statuses:
        problems.append("page not found")
    return problems


class Student:
    """One browser tab on the Build page, editing the convnet like a student (see the module docstring)."""

    def __init__(self, index: int, room: Classroom, base_url: str, rng: random.Random) -> None:
        """Student `index` of `room`, with their own owner token and random choices."""
        self.name = f"student {index + 1}"
        self.room, self.base_url, self.rng = room, base_url, rng
        self.owner = new_owner_token()
        self.stack: Stack = stack_from_spec(preset_spec("convnet"))
        self.session: StreamlitSession | None = None

    async def open(self) -> None:
        """Open /Build?preset=convnet with this student's token, and check the reference total."""
        started = time.monotonic()
        self.session, run = await StreamlitSession.open(self.base_url, "Build",
                                                        f"preset=convnet&u={self.owner}")
        self.room.open_ms.append((time.monotonic() - started) * 1000)
        self._check_total(run, "opening /Build?preset=convnet", record=False)

    async def edit_until(self, stop: Callable[[], bool]) -> None:
        """Edit the stack, with pauses, until `stop()` says so."""
        while not stop():
            for step in self._cycle():
                await self._think()
                if stop():
                    return
                try:
                    await step()
                except ProtocolError as error:
                    self.room.error(self.name, str(error))
                    await self.reconnect()
                    break

    def _cycle(self) -> list[Callable[[], object]]:
        """One round of edits (`cnnlab.testing.build_edits`), with this student's random choices."""
        edits = edit_round(self.stack, self.rng.choice(FILTERS), self.rng.choice(UNITS))
        return [lambda edit=edit: self._act(edit.label, edit.values(self.session), edit.click, edit.stack)
                for edit in edits]

    async def _think(self) -> None:
        await asyncio.sleep(self.room.think_s * self.rng.uniform(0.5, 1.5))

    async def _act(self, label: str, values: dict | None = None, click: str | None = None,
                   stack: Stack | None = None) -> None:
        """One change on Build: send it, wait for the page, check and time the new total."""
        phase = self.room.phase
        run = await self.session.interact(values, click)
        change = Change.stack if stack is not None and stack != self.stack else Change.choice
        if stack is not None:
            self.stack = stack
        record = phase in MEASURED_PHASES
        if change == Change.choice and not run.whole_page:
            self._check_panel(run, label, record, phase)
        else:
            self._check_total(run, label, record, phase, change)

    def _check_panel(self, run: Run, label: str, record: bool, phase: str) -> None:
        """A choice that leaves the stack as it is reran only its panel (a fragment): timed to the end of
        that rerun, when the panel is up to date."""
        for problem in run_problems(run):
            self.room.error(self.name, f"{label}: {problem}")
        if run.finished is None or not run.elements:
            self.room.error(self.name, f"{label}: the panel was not redrawn")
        elif record:
            self.room.record(phase, Change.choice, (run.finished - run.sent) * 1000)

    def _check_total(self, run: Run, label: str, record: bool, phase: str = "",
                     change: Change = Change.choice) -> None:
        for problem in run_problems(run):
            self.room.error(self.name, f"{label}: {problem}")
        expected = f"{analyze(self.stack).total_params:,}"
        metric = run.find("metric", lambda proto: proto.label == "Parameters")
        if metric is None:
            self.room.error(self.name, f"{label}: no total on the page")
        elif metric.proto.body != expected:
            self.room.error(self.name, f"{label}: the page shows {metric.proto.body} parameters, the stack "
                                       f"has {expected}")
        elif record:
            self.room.record(phase, change, (metric.arrived - run.sent) * 1000)
            if phase == "training" and run.finished is not None:
                self.room.run_ms.append((run.finished - run.sent) * 1000)

    async def reconnect(self) -> None:
        """After a lost connection: a new tab on the same address (the stack is the server's draft)."""
        if self.session is not None:
            await self.session.close()
        try:
            self.session, run = await StreamlitSession.open(self.base_url, "Build", f"u={self.owner}")
            self._check_total(run, "reopening Build", record=False)
        except (ProtocolError, OSError) as error:
            self.room.error(self.name, f"reopening Build: {error}")

    async def close(self) -> None:
        """Close the tab."""
        if self.session is not None:
            await self.session.close()


class Trainer(Student):
    """A student who, in the training phase, trains their stack once, watches it, and edits again."""

    def __init__(self, index: int, room: Classroom, base_url: str, rng: random.Random, epochs: int,
                 train_size: int) -> None:
        """As `Student`, training `epochs` epochs on `train_size` images."""
        super().__init__(index, room, base_url, rng)
        self.epochs, self.train_size = epochs, train_size

    async def train(self) -> None:
        """Go to Train, submit, watch the job to its end, see it on Results, return to Build."""
        try:
            if await self._submit():
                await self._watch()
                await self._see_on_results()
            await self.session.go_to("Build", self.session.query_string)
        except ProtocolError as error:
            self.room.error(self.name, f"training: {error}")
            await self.reconnect()
        finally:
            self.room.trainer_done()

    async def _submit(self) -> bool:
        session = self.session
        run = await session.go_to("Train", session.query_string)
        for problem in run_problems(run):
            self.room.error(self.name, f"opening Train: {problem}")
        run = await session.interact({"train_epochs": self.epochs, "train_train_size": self.train_size},
                                     click="train_submit")
        notes = [shown(element.proto.body) for element in run.all("alert")]
        if not any(note.startswith("Job submitted") for note in notes):
            self.room.error(self.name, f"Train did not confirm the job: {notes}")
            return False
        self.room.submitted.append(self.owner)
        return True

    async def _watch(self) -> None:
        """Follow the live panel (the session reruns its fragment every second) until the page says the job
        ended ("Last run: … — finished")."""
        session = self.session
        while not self.room.over():
            await asyncio.sleep(0.5)
            await session.until_idle()
            for run in session.background:
                for problem in run_problems(run):
                    self.room.error(self.name, f"watching the job: {problem}")
                headings = [shown(element.proto.body) for element in run.all("heading")]
                ended = next((h for h in headings if h.startswith("Last run:")), None)
                if ended is not None:
                    if not ended.endswith("— finished"):
                        self.room.error(self.name, f"the job ended as: {ended}")
                    return
            session.background.clear()
        self.room.error(self.name, "the job did not end in time")

    async def _see_on_results(self) -> None:
        run = await self.session.go_to("Results", self.session.query_string)
        headings = [shown(element.proto.body) for element in run.all("heading")]
        if not any(heading.endswith("— finished") for heading in headings):
            self.room.error(self.name, f"Results does not show the finished run: {headings}")


class Observer:
    """The teacher's dashboard or the projector's leaderboard, open all lesson long: every redraw of its
    fragment (the client reruns it as a browser does) is timed and checked."""

    def __init__(self, name: str, room: Classroom, base_url: str) -> None:
        """`name` is a key of OBSERVED: which page, with which query."""
        self.name, self.room, self.base_url = name, room, base_url
        self.session: StreamlitSession | None = None

    async def open(self) -> None:
        """Open the page; its fragment then reruns by itself."""
        page, query = OBSERVED[self.name]
        self.session, run = await StreamlitSession.open(self.base_url, page, query)
        for problem in run_problems(run):
            self.room.error(self.name, f"opening: {problem}")

    async def watch_until(self, stop: Callable[[], bool]) -> None:
        """Collect the redraws until `stop()`."""
        while not stop():
            await asyncio.sleep(0.5)
            for run in self.session.background:
                for problem in run_problems(run):
                    self.room.error(self.name, f"redraw: {problem}")
                if run.finished is not None and self.room.phase in ("baseline", "training"):
                    self.room.refresh_ms[self.name].append((run.finished - run.sent) * 1000)
            self.session.background.clear()

    async def close(self) -> None:
        """Close the tab."""
        if self.session is not None:
            await self.session.close()


# ------------------------------------------------------------------------------------------- the lesson


async def lesson(base_url: str, args: argparse.Namespace, room: Classroom) -> None:
    """Open every tab, edit for the baseline, train, edit until every job has ended; close every tab."""
    rng = random.Random(args.seed)
    trainers = [Trainer(i, room, base_url, random.Random(rng.random()), args.epochs, args.train_size)
                for i in range(args.trainers)]
    students = trainers + [Student(i, room, base_url, random.Random(rng.random()))
                           for i in range(args.trainers, args.users)]
    room.trainers_left = len(trainers)
    observers = [Observer(name, room, base_url) for name in OBSERVED] if args.classroom_tabs else []
    try:
        for observer in observers:
            await observer.open()
        for student in students:  # a class arrives within a few seconds, not in the same millisecond
            await student.open()
            await asyncio.sleep(0.05)
        room.enter("baseline")
        edits = [asyncio.create_task(s.edit_until(lambda: room.phase != "baseline")) for s in trainers]
        edits += [asyncio.create_task(observer.watch_until(room.over)) for observer in observers]
        edits += [asyncio.create_task(s.edit_until(room.over)) for s in students[len(trainers):]]
        await asyncio.sleep(args.baseline_s)
        room.enter("training")
        await asyncio.gather(*edits[:len(trainers)])
        for index, trainer in enumerate(trainers):
            edits.append(asyncio.create_task(_train_then_edit(trainer, index * args.stagger_s, room)))
        if not trainers:
            room.enter("done")
        remaining = max(0.0, room.deadline - time.monotonic())
        try:
            await asyncio.wait_for(room.finished_event.wait(), remaining)
        except TimeoutError:
            room.error("lesson", f"not every job ended within --max-s {args.max_s:.0f}")
        room.enter("done")
        outcomes = await asyncio.wait_for(asyncio.gather(*edits, return_exceptions=True), 120)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                room.error("lesson", f"a student's task failed: {outcome!r}")
    finally:
        await asyncio.gather(*(tab.close() for tab in [*students, *observers]), return_exceptions=True)


async def _train_then_edit(trainer: Trainer, delay_s: float, room: Classroom) -> None:
    await asyncio.sleep(delay_s)
    await trainer.train()
    await trainer.edit_until(room.over)


def check_runs(runs_dir: Path, submitted: list[str]) -> dict[str, object]:
    """What the runs index says about the submitted jobs: finished (with a model file), lost, and whether they
    started in the order they were submitted (the queue is FIFO; a job started at its end minus its time)."""
    store = RunStore(runs_dir)
    records = sorted((r for owner in submitted for r in store.runs(owner)), key=lambda r: r.created_at)
    finished = [r for r in records if r.state == JobState.FINISHED
                and store.model_file(r.run_id, r.owner, ModelFormat.H5) is not None]
    by_start = sorted(finished, key=lambda r: r.updated_at - (r.elapsed_s or 0.0))
    return {
        "jobs_submitted": len(submitted),
        "jobs_finished": len(finished),
        "jobs_lost": len(submitted) - len(finished),
        "jobs_in_order": len(finished) == len(submitted) == len(records) and by_start == finished,
        "job_seconds": [round(r.elapsed_s or 0.0, 1) for r in finished],
        "test_accuracies": [round(r.test_accuracy, 4) for r in finished],
    }


def measure(args: argparse.Namespace) -> dict[str, object]:
    """Run the whole load test and return its figures."""
    work_dir = Path(tempfile.mkdtemp(prefix="cnnlab-classroom-"))
    started, load_before = time.monotonic(), os.getloadavg()[0]
    try:
        with started_server(work_dir, {TEACHER_KEY_ENV: TEACHER_KEY, **dict(args.server_env)}) as server:
            # the leaderboard's board, set as the command line sets it: from beside the server
            Lab(Settings(runs_dir=server.runs_dir)).classroom.challenges.start(Challenge(title="Load test"))
            main_pid = streamlit_pid(server.process.pid)
            with MemorySampler(server.process.pid, lambda: main_pid) as memory:
                room = Classroom(think_s=args.think_s, deadline=time.monotonic() + args.max_s,
                                 server_pid=main_pid)
                asyncio.run(lesson(server.url, args, room))
                jobs = check_runs(server.runs_dir, room.submitted)
    finally:
        if args.keep:
            print(f"kept {work_dir}", file=sys.stderr)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    training, baseline = room.latencies("training"), room.latencies("baseline")
    p95, base_p95 = percentile(training, 0.95), percentile(baseline, 0.95)
    return {
        "users": args.users,
        "trainers": args.trainers,
        **{key: value for key, value in jobs.items() if key not in ("test_accuracies", "job_seconds")},
        "errors": len(room.errors),
        "p50_ms": _ms(percentile(training, 0.5)),
        "p95_ms": _ms(p95),
        "max_ms": _ms(max(training, default=None)),
        "edits_while_training": len(training),
        "baseline_p50_ms": _ms(percentile(baseline, 0.5)),
        "baseline_p95_ms": _ms(base_p95),
        "baseline_edits": len(baseline),
        "p95_ratio_to_baseline": round(p95 / base_p95, 2) if p95 and base_p95 else None,
        **{f"{change}_p95_ms": _ms(room.p95("training", change)) for change in Change},
        **{f"baseline_{change}_p95_ms": _ms(room.p95("baseline", change)) for change in Change},
        "page_run_p95_ms": _ms(percentile(room.run_ms, 0.95)),
        "web_server_core_share": {"baseline": room.core_share("baseline"),
                                  "training": room.core_share("training")},
        "open_p95_ms": _ms(percentile(room.open_ms, 0.95)),
        **{f"{name}_refresh_p95_ms": _ms(percentile(times, 0.95)) for name, times in room.refresh_ms.items()},
        **{f"{name}_refreshes": len(times) for name, times in room.refresh_ms.items()},
        "job_seconds": jobs["job_seconds"],
        "server_peak_rss_mb": round(memory.peak_total_mb),
        "web_server_peak_rss_mb": round(memory.peak_main_mb),
        "worker_nice": sorted(memory.worker_nice),
        "cores": len(os.sched_getaffinity(0)),
        "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "load_generator_cpu_s": round(time.process_time(), 1),
        "test_accuracies": jobs["test_accuracies"],
        "duration_s": round(time.monotonic() - started, 1),
        "goal_met": bool(not room.errors and jobs["jobs_lost"] == 0 and jobs["jobs_in_order"]
                         and p95 is not None and p95 <= GOAL_P95_MS),
        "first_errors": room.errors[:10],
        "settings": {"think_s": args.think_s, "baseline_s": args.baseline_s, "epochs": args.epochs,
                     "train_size": args.train_size, "stagger_s": args.stagger_s, "seed": args.seed,
                     "server_env": dict(args.server_env), "classroom_tabs": args.classroom_tabs},
    }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _report(figures: dict[str, object]) -> str:
    """The figures for people."""
    lines = [
        f"{figures['users']} students, {figures['trainers']} training, {figures['cores']} cores, "
        f"{figures['duration_s']} s",
        f"Build change → new total: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, max "
        f"{figures['max_ms']} ms over {figures['edits_while_training']} changes while jobs trained "
        f"(baseline without training: p50 {figures['baseline_p50_ms']} ms, "
        f"p95 {figures['baseline_p95_ms']} ms; "
        f"ratio {figures['p95_ratio_to_baseline']})",
        f"  of which changes to the stack p95 {figures['stack_p95_ms']} ms (baseline "
        f"{figures['baseline_stack_p95_ms']} ms), other choices p95 {figures['choice_p95_ms']} ms (baseline "
        f"{figures['baseline_choice_p95_ms']} ms)",
        f"jobs: {figures['jobs_submitted']} submitted, {figures['jobs_finished']} finished, "
        f"{figures['jobs_lost']} lost, FIFO order kept: {figures['jobs_in_order']}",
        f"teacher dashboard redraw p95 {figures['teacher_refresh_p95_ms']} ms "
        f"({figures['teacher_refreshes']} redraws), leaderboard p95 "
        f"{figures['leaderboard_refresh_p95_ms']} ms "
        f"({figures['leaderboard_refreshes']}); classroom tabs open: {figures['settings']['classroom_tabs']}",
        f"errors: {figures['errors']}",
        f"peak memory: {figures['server_peak_rss_mb']} MB server and workers "
        f"({figures['web_server_peak_rss_mb']} MB the web server); workers' nice: {figures['worker_nice']}",
        f"web server CPU (share of one core): {figures['web_server_core_share']}; machine load average "
        f"{figures['load_average_before_after']} (before, after)",
        f"goal (0 errors, 0 lost, FIFO, p95 ≤ {GOAL_P95_MS} ms): "
        f"{'met' if figures['goal_met'] else 'NOT met'}",
    ]
    lines += [f"  {error}" for error in figures["first_errors"]]
    return "\n".join(lines)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=30, help=f"students (sessions), at most {MAX_USERS}")
    parser.add_argument("--trainers", type=int, default=5, help="students who each train one job")
    parser.add_argument("--think-s", type=float, default=2.0, help="mean pause between a student's changes")
    parser.add_argument("--baseline-s", type=float, default=20.0, help="editing without training, first")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per job")
    parser.add_argument("--train-size", type=int, default=2000, help="training images per job")
    parser.add_argument("--stagger-s", type=float, default=1.0, help="pause between two trainers' submits")
    parser.add_argument("--max-s", type=float, default=900.0, help="hard time limit of the whole test")
    parser.add_argument("--seed", type=int, default=0, help="seeds the students' choices")
    parser.add_argument("--server-env", type=_assignment, action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the server, to try a knob "
                             "(e.g. STREAMLIT_RUNNER_POST_SCRIPT_GC=false); repeatable")
    parser.add_argument("--no-classroom-tabs", dest="classroom_tabs", action="store_false",
                        help="leave out the teacher's dashboard and the leaderboard tab (to compare)")
    parser.add_argument("--keep", action="store_true", help="keep the runs directory and server log")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS or not 0 <= args.trainers <= args.users:
        parser.error(f"need 1 ≤ --users ≤ {MAX_USERS} and 0 ≤ --trainers ≤ --users")
    if args.max_s <= 0 or args.think_s <= 0 or args.baseline_s < 0:
        parser.error("--max-s and --think-s must be positive, --baseline-s not negative")
    return args


def _assignment(text: str) -> tuple[str, str]:
    """"NAME=VALUE" → ("NAME", "VALUE")."""
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point: exit status 0 when the goal was met, 1 when not, 130 when interrupted."""
    args = _arguments(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        figures = measure(args)
    except KeyboardInterrupt:
        print("interrupted; the server and its workers were stopped", file=sys.stderr)
        return 130
    print(json.dumps(figures, indent=1, ensure_ascii=False) if args.json else _report(figures))
    return 0 if figures["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
