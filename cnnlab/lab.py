"""What a running CNN Lab is made of: the composition root.

`Settings` is how the server was set up, read from the environment here and nowhere else. A `Lab` builds,
once, every part of the running system from those settings and their one runs directory:

    store        every run: the runs index, metrics, test results and model files  (engine.store)
    drafts       each student's stack in progress and last training settings      (engine.drafts)
    classroom    the class list, challenges, shared stacks, hidden runs, lesson places (classroom)
    lessons      the lesson library, who follows which lesson, guesses, Reveal      (classroom.lessons)
    class_digits our class's handwriting: drawn digits and each run's score on them (classroom.class_digits)
    teacher_key  the secret in the teacher's dashboard address                      (classroom.teacher_key)
    jobs         the job manager and its runner: local worker processes or Ray      (engine.jobs)
    inference    the worker process that answers questions about trained models     (insight.inference)
    exports      a second such worker that makes export files (ONNX, Keras 2, .keras), so a slow export
                 never holds up another student's Predict                           (insight.inference)

The job manager enforces the class challenge through `classroom.challenges.active_challenge`, handed to it
here, and gets the class's drawings for each digits run from `class_digits` (a `ClassSetSource`): the engine
knows nothing of the classroom. `Lab.start()` starts the driver thread that steps the job
manager; nothing else runs by itself.

Pages ask `running_lab()` for the Lab of this process; the command line builds a Lab from
`Settings.from_environment()` and uses the part it needs (the job manager is built on first use only, so a
command that sets a challenge starts no runner); tests and benchmarks build their own Lab (with a scripted
runner, say), step it or start it, and hand it to the pages with `serving(lab)`.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import math
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cnnlab.classroom.class_digits import ClassDigits
from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.lesson_library import SHIPPED_LESSONS, TEACHER_LESSONS, LessonLibrary
from cnnlab.classroom.lessons import Lessons
from cnnlab.classroom.teacher_key import TeacherKey
from cnnlab.engine.drafts import Drafts
from cnnlab.engine.estimate import DEFAULT_MAX_JOB_SECONDS
from cnnlab.engine.jobs import JobLimits, JobManager
from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.engine.runner import Runner
from cnnlab.engine.runner_choice import DEFAULT_CPUS_PER_JOB, RunnerChoice, select_runner
from cnnlab.engine.storage import DEFAULT_MAX_CLASS_BYTES, DEFAULT_MAX_STUDENT_BYTES
from cnnlab.engine.store import RunStore
from cnnlab.insight.inference import InferenceClient

RUNS_DIR_ENV = "CNNLAB_RUNS_DIR"
TEACHER_KEY_ENV = "CNNLAB_TEACHER_KEY"
RAY_ADDRESS_ENV = "CNNLAB_RAY_ADDRESS"  # `make run RAY=…` sets it
RAY_CPUS_ENV = "CNNLAB_RAY_CPUS_PER_JOB"
MAX_JOB_MINUTES_ENV = "CNNLAB_MAX_JOB_MINUTES"
MAX_STUDENT_MB_ENV = "CNNLAB_MAX_STUDENT_MB"
MAX_CLASS_GB_ENV = "CNNLAB_MAX_CLASS_GB"
DRIVER_THREAD = "cnnlab-lab"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """Everything a teacher can set, with its default; `from_environment` names the variable of each."""

    runs_dir: Path = PROJECT_ROOT / "runs"  # every run and draft, and the classroom database
    teacher_key: str | None = None  # None: one is made and kept in the runs directory
    ray_address: str | None = None  # train on this Ray cluster: "auto", "HOST:6379" or "ray://HOST:10001"
    ray_cpus_per_job: int = DEFAULT_CPUS_PER_JOB  # CPUs each Ray job asks for
    max_job_seconds: float = DEFAULT_MAX_JOB_SECONDS  # the longest estimated time a job may have
    max_student_bytes: int = DEFAULT_MAX_STUDENT_BYTES  # run files one student may keep (200 MB)
    max_class_bytes: int = DEFAULT_MAX_CLASS_BYTES  # run files the whole class may keep (5 GB)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in `environ` (default: this process's environment): `CNNLAB_RUNS_DIR`,
        `CNNLAB_TEACHER_KEY`, `CNNLAB_RAY_ADDRESS`, `CNNLAB_RAY_CPUS_PER_JOB`, `CNNLAB_MAX_JOB_MINUTES`,
        `CNNLAB_MAX_STUDENT_MB` and `CNNLAB_MAX_CLASS_GB`.

        A value that makes no sense (a CPU count that is not a whole number ≥ 1, minutes or a budget that are
        not a positive number) keeps the default, so a typo never lifts a limit; a bad CPU count or budget
        says so in the log.
        """
        environ = os.environ if environ is None else environ
        runs_dir = environ.get(RUNS_DIR_ENV, "").strip()
        return cls(
            runs_dir=Path(runs_dir).expanduser().resolve() if runs_dir else cls.runs_dir,
            teacher_key=environ.get(TEACHER_KEY_ENV, "").strip() or None,
            ray_address=environ.get(RAY_ADDRESS_ENV, "").strip() or None,
            ray_cpus_per_job=_cpus_per_job(environ.get(RAY_CPUS_ENV, "").strip()),
            max_job_seconds=_max_job_seconds(environ.get(MAX_JOB_MINUTES_ENV, "").strip()),
            max_student_bytes=_budget(environ, MAX_STUDENT_MB_ENV, 10**6, DEFAULT_MAX_STUDENT_BYTES),
            max_class_bytes=_budget(environ, MAX_CLASS_GB_ENV, 10**9, DEFAULT_MAX_CLASS_BYTES),
        )

    def limits(self, max_running: int | None = None) -> JobLimits:
        """The job manager's caps these settings set (time per job, storage budgets), with `max_running`
        jobs at once (None: the default for this machine)."""
        running = {} if max_running is None else {"max_running": max_running}
        return JobLimits(**running, max_job_seconds=self.max_job_seconds,
                         max_student_bytes=self.max_student_bytes, max_class_bytes=self.max_class_bytes)


def _cpus_per_job(text: str) -> int:
    """ "4" → 4; anything but a whole number ≥ 1 → the default (said in the log unless empty)."""
    if text.isdigit() and int(text) >= 1:
        return int(text)
    if text:
        _log.warning("%s=%s is not a whole number of CPUs ≥ 1; each Ray job asks for %d", RAY_CPUS_ENV, text,
                     DEFAULT_CPUS_PER_JOB)
    return DEFAULT_CPUS_PER_JOB


def _budget(environ: Mapping[str, str], name: str, unit: int, default: int) -> int:
    """A storage budget in bytes from a number of `unit`s: CNNLAB_MAX_STUDENT_MB=150 → 150,000,000; anything
    but a positive number → the default (said in the log unless empty)."""
    text = environ.get(name, "").strip()
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and value > 0:
        return int(value * unit)
    if text:
        _log.warning("%s=%s is not a positive number; the default budget of %d bytes holds", name, text,
                     default)
    return default


def _max_job_seconds(minutes: str) -> float:
    """ "2.5" (minutes) → 150.0 seconds; anything but a positive number → the default."""
    try:
        value = float(minutes)
    except ValueError:
        return DEFAULT_MAX_JOB_SECONDS
    return 60 * value if math.isfinite(value) and value > 0 else DEFAULT_MAX_JOB_SECONDS


class Lab:
    """One CNN Lab: every part of the running system, built once from `settings` (see the module docstring).

    `runner` and `limits` replace what the settings would choose (tests and benchmarks: a scripted runner,
    one job at a time).
    """

    def __init__(self, settings: Settings, *, runner: Runner | None = None,
                 limits: JobLimits | None = None) -> None:
        """Build the parts that cost nothing to build; the job manager waits for its first use."""
        root = settings.runs_dir
        root.mkdir(parents=True, exist_ok=True)
        self.settings = settings
        self.store = RunStore(root)
        self.drafts = Drafts(root)
        self.classroom = Classroom.at(root)
        self.class_digits = ClassDigits.at(root)
        self.teacher_key = TeacherKey(root, settings.teacher_key)
        classroom, library = self.classroom, LessonLibrary(SHIPPED_LESSONS, root / TEACHER_LESSONS)
        self.lessons = Lessons(library, classroom.lesson_progress, classroom.challenges, classroom.roster,
                               self.store, self.drafts)
        self.inference = InferenceClient()
        self.exports = InferenceClient()
        self.runner_choice: RunnerChoice | None = None  # how the runner was picked, unless one was given
        self._runner, self._limits = runner, limits
        self._jobs: JobManager | None = None
        self._driver: _Driver | None = None
        self._lock = threading.Lock()

    @property
    def jobs(self) -> JobManager:
        """The job manager, built on first use: a command that only reads the classroom starts no runner and
        never reaches for a Ray cluster."""
        with self._lock:
            if self._jobs is None:
                runner, limits, settings = self._runner, self._limits, self.settings
                if runner is None:
                    self.runner_choice = select_runner(settings.ray_address, settings.ray_cpus_per_job,
                                                       limits.max_running if limits else None)
                    runner = self.runner_choice.runner
                    limits = limits or settings.limits(self.runner_choice.max_running)
                limits = limits or settings.limits()
                self._jobs = JobManager(self.store, runner, limits,
                                        challenge=self.classroom.challenges.active_challenge,
                                        class_set=self.class_digits)
            return self._jobs

    def start(self) -> Lab:
        """Start the driver thread that steps the job manager (`JobManager.serve`), once; returns the Lab."""
        jobs = self.jobs
        with self._lock:
            if self._driver is None:
                self._driver = _Driver(self, jobs)
                self._driver.start()
        return self

    def close(self) -> None:
        """Shut the job manager down (jobs still queued or training are recorded as interrupted), stop the
        driver thread and the inference and export workers."""
        with self._lock:
            jobs, driver = self._jobs, self._driver
        if jobs is not None:
            jobs.shutdown()
        if driver is not None:
            driver.serves_process = False
            driver.join(timeout=10)
        self.inference.close()
        self.exports.close()


class _Driver(threading.Thread):
    """The thread that steps a started Lab's job manager. The Lab that serves this process is found through
    it: see `running_lab`."""

    def __init__(self, lab: Lab, jobs: JobManager) -> None:
        super().__init__(target=jobs.serve, name=DRIVER_THREAD, daemon=True)
        self.lab = lab
        self.serves_process = False  # True for the one Lab `running_lab` returns


_SERVING = threading.Lock()  # which Lab serves the process changes under this lock


def running_lab() -> Lab:
    """The Lab this process serves: the one put in place by `serving`, else one built from the environment
    and started on first use (closed when the process exits).

    It is found through its driver thread, not kept in a module global or in `st.cache_resource`: Streamlit's
    "Clear cache" (which any browser can ask for) and a reload or re-import of cnnlab's modules (its file
    watcher) leave running threads alone, so every caller gets the very same Lab, with its running jobs and
    its workers, and never a second one beside it.
    """
    with _SERVING:
        driver = _serving_driver()
        if driver is not None:
            return driver.lab
        lab = Lab(Settings.from_environment()).start()
        lab._driver.serves_process = True
        atexit.register(lab.close)
        return lab


@contextlib.contextmanager
def serving(lab: Lab) -> Iterator[Lab]:
    """Make `lab` (started now, if it is not yet) the Lab `running_lab` returns for the block: how tests and
    benchmarks hand the pages a Lab of their own. The Lab served before is served again afterwards."""
    lab.start()
    with _SERVING:
        previous = _serving_driver()
        if previous is not None:
            previous.serves_process = False
        lab._driver.serves_process = True
    try:
        yield lab
    finally:
        with _SERVING:
            lab._driver.serves_process = False
            if previous is not None and previous.is_alive():
                previous.serves_process = True


def _serving_driver() -> _Driver | None:
    """The live driver thread of the Lab that serves this process, if any (of this or an earlier copy of this
    module: a re-imported module finds the Lab its predecessor started)."""
    return next((thread for thread in threading.enumerate()
                 if getattr(thread, "serves_process", False) and thread.is_alive()), None)
