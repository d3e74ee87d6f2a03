"""The composition root: settings read from the environment in one place, a Lab that builds every part of the
running system once over one runs directory, the one process-wide Lab, and no wiring through `sys`."""

from __future__ import annotations

import ast
import re
import threading
from pathlib import Path

import pytest

from cnnlab import lab as lab_module
from cnnlab.classroom.classroom import CLASSROOM_DB
from cnnlab.core.challenge import parse_challenge
from cnnlab.core.presets import preset_spec
from cnnlab.engine.jobs import JobRefused
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.engine.runner_choice import RunnerChoice, RunnerKind
from cnnlab.lab import DRIVER_THREAD, Lab, Settings, running_lab, serving
from cnnlab.testing.engine import ScriptedRunner

PRODUCT = [*sorted((PROJECT_ROOT / "cnnlab").rglob("*.py")), PROJECT_ROOT / "app.py",
           *sorted((PROJECT_ROOT / "pages").glob("*.py"))]
EVERYTHING = [*PRODUCT, *sorted((PROJECT_ROOT / "tests").rglob("*.py")),
              *sorted((PROJECT_ROOT / "bench").glob("*.py"))]


def test_settings_come_from_the_environment() -> None:
    environ = {"CNNLAB_RUNS_DIR": "~/class-runs", "CNNLAB_TEACHER_KEY": " k3y ", "CNNLAB_RAY_ADDRESS": "auto",
               "CNNLAB_RAY_CPUS_PER_JOB": "4", "CNNLAB_MAX_JOB_MINUTES": "2.5"}
    assert Settings.from_environment(environ) == Settings(
        runs_dir=(Path.home() / "class-runs").resolve(), teacher_key="k3y", ray_address="auto",
        ray_cpus_per_job=4, max_job_seconds=150.0)
    assert Settings.from_environment({}) == Settings() == Settings(
        runs_dir=PROJECT_ROOT / "runs", teacher_key=None, ray_address=None, ray_cpus_per_job=2,
        max_job_seconds=600.0)
    blank = {name: " " for name in environ}
    assert Settings.from_environment(blank) == Settings()


def _string_constants(path: Path) -> list[str]:
    return [node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_only_the_composition_root_names_a_cnnlab_setting() -> None:
    """Product code reads `CNNLAB_*` in `cnnlab/lab.py` only: no other module holds the name of one (tests,
    benchmarks and the test helpers may set them, for a server they start)."""
    named = {path.relative_to(PROJECT_ROOT).as_posix() for path in PRODUCT
             if any(re.fullmatch(r"CNNLAB_[A-Z_]+", text) for text in _string_constants(path))}
    assert named == {"cnnlab/lab.py"}
    importers = {path.relative_to(PROJECT_ROOT).as_posix() for path in PRODUCT
                 if re.search(r"from cnnlab\.lab import [^\n]*_ENV\b", path.read_text(encoding="utf-8"))}
    assert all(path.startswith("cnnlab/testing/") for path in importers), importers


def test_no_attribute_is_ever_set_on_sys() -> None:
    forbidden = re.compile(r"setattr\(\s*sys\s*,|sys\.__dict__|sys\._cnnlab|[\"']_cnnlab_|^\s*sys\.\w+\s*=",
                           re.MULTILINE)
    offenders = [path.relative_to(PROJECT_ROOT).as_posix() for path in EVERYTHING
                 if forbidden.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def _drivers() -> int:
    """Driver threads running in this process."""
    return sum(thread.name == DRIVER_THREAD for thread in threading.enumerate())


def test_a_lab_builds_every_part_over_its_one_runs_directory(settings: Settings) -> None:
    runs_dir, drivers = settings.runs_dir, _drivers()
    lab = Lab(settings, runner=ScriptedRunner())
    try:
        assert lab.store.root == runs_dir and lab.drafts.runs_dir == runs_dir
        assert lab.teacher_key.path.parent == runs_dir
        assert lab.jobs is lab.jobs and lab.jobs.store is lab.store
        assert lab.jobs.limits.max_job_seconds == settings.max_job_seconds
        owner = new_owner_token()
        lab.classroom.roster.join(owner)
        assert (runs_dir / CLASSROOM_DB).is_file()
        assert lab.inference.pid is None and _drivers() == drivers  # nothing runs until asked (`start`)
    finally:
        lab.close()


def test_the_job_manager_enforces_the_classrooms_challenge(lab: Lab) -> None:
    challenge, _ = parse_challenge({"title": "Tiny", "max_params": 1000})
    lab.classroom.challenges.start(challenge)
    with pytest.raises(JobRefused, match="Tiny: 60,874 parameters — over the limit of 1,000"):
        lab.jobs.submit(new_owner_token(), preset_spec("convnet"), {"epochs": 1})
    lab.classroom.challenges.end()
    lab.jobs.submit(new_owner_token(), preset_spec("convnet"), {"epochs": 1})


def test_the_process_lab_is_built_from_the_environment_once_and_started(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    scripted = RunnerChoice(RunnerKind.LOCAL, ScriptedRunner(), 1, None, "scripted")
    monkeypatch.setattr(lab_module, "select_runner", lambda *args: scripted)  # no worker processes here
    drivers = _drivers()
    lab = running_lab()
    try:
        assert running_lab() is lab and lab.settings == settings
        assert lab.jobs.runner is scripted.runner
        assert _drivers() == drivers + 1  # started: its driver thread steps the job manager
        other = Lab(settings, runner=ScriptedRunner())
        with serving(other):  # a test's or a benchmark's own Lab, for a while
            assert running_lab() is other
        other.close()
        assert running_lab() is lab
    finally:
        lab.close()
    assert _drivers() == drivers
