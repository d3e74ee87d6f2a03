"""`python -m cnnlab lesson list|check|start|show|end`: the lessons, checking a lesson file before class,
and the class's lesson — started, watched and ended on the same runs directory as the server
(`Settings.runs_dir`), as `challenge` does.

`check` prints every problem of a file on its own line, as "line N: …" (with "step K:" inside a step), and
exits with status 2; a good file prints its title and step count and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab.classroom.lesson_library import LessonFile, Origin
from cnnlab.cli.inputs import EXIT_BAD_INPUT, EXIT_OK, UsageError
from cnnlab.core.lesson import MAX_LESSON_BYTES, LessonReading, lesson_name, read_lesson
from cnnlab.core.text import duration

if TYPE_CHECKING:
    from cnnlab.classroom.lessons import ClassProgress, Lessons


def add_lesson_arguments(parser: argparse.ArgumentParser) -> None:
    """The lesson command's actions: list [--json], check FILE, start NAME|FILE, show [--json], end."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the lessons: shipped ones and the teacher's own")
    listing.add_argument("--json", action="store_true", help="print machine-readable JSON")
    check = actions.add_parser("check", help="check a lesson file: every problem with its line")
    check.add_argument("file", metavar="FILE", help="a lesson .toml file")
    start = actions.add_parser("start", help="start a lesson for the whole class (ends the one before)")
    start.add_argument("lesson", metavar="NAME|FILE",
                       help="a lesson's name (see `lesson list`) or a .toml file")
    show = actions.add_parser("show", help="the class's lesson and each student's step")
    show.add_argument("--json", action="store_true", help="print machine-readable JSON")
    actions.add_parser("end", help="end the class's lesson")


def _read_file(path: str) -> tuple[bytes, str]:
    """The bytes of a lesson file (at most one byte past the cap) and the lesson name it gives."""
    file = Path(path)
    try:
        if file.is_dir():
            raise UsageError(f"{path}: is a directory, not a lesson file")
        with file.open("rb") as handle:
            data = handle.read(MAX_LESSON_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror or type(error).__name__})") from None
    return data, lesson_name(file.name) or "lesson"


def _print_problems(reading: LessonReading) -> int:
    """Every problem on stderr, one a line; the exit status for a file with problems."""
    for problem in reading.problems:
        print(problem, file=sys.stderr)
    return EXIT_BAD_INPUT


def _check(path: str) -> int:
    data, name = _read_file(path)
    reading = read_lesson(data, name)
    if reading.lesson is None:
        return _print_problems(reading)
    lesson = reading.lesson
    print(f"{path}: ok — {lesson.title} ({len(lesson.steps)} steps)")
    return EXIT_OK


def _list(lessons: Lessons, as_json: bool) -> int:
    files = lessons.library.files()
    good = [file for file in files if file.lesson is not None]
    if as_json:
        print(json.dumps([{"name": file.name, "title": file.lesson.title, "summary": file.lesson.summary,
                           "steps": len(file.lesson.steps), "start": file.lesson.start,
                           "origin": str(file.origin)} for file in good], ensure_ascii=False, indent=2))
        return EXIT_OK
    for file in good:
        mine = ", the teacher's" if file.origin == "teacher" else ""
        print(f"{file.name} — {file.lesson.title} ({len(file.lesson.steps)} steps{mine})")
        if file.lesson.summary:
            print(f"    {file.lesson.summary}")
    for file in files:
        if file.lesson is None:
            count = len(file.reading.problems)
            print(f"(not listed: {file.name}.toml has {count} problem{'s' * (count != 1)}; "
                  f"`lesson check` lists them)")
    return EXIT_OK


def _start(lessons: Lessons, chosen: str) -> int:
    if chosen.endswith(".toml") or Path(chosen).is_file():
        data, name = _read_file(chosen)
        reading = read_lesson(data, name)
        if reading.lesson is None:
            return _print_problems(reading)
        file = LessonFile(name, Origin.teacher, data.decode("utf-8").removeprefix("\ufeff"), reading)
    else:
        file = lessons.library.get(chosen)
        if file is None:
            names = ", ".join(file.name for file in lessons.library.lessons())
            raise UsageError(f"unknown lesson {chosen[:60]!r}; one of {names}")
    lessons.start_class(file)
    print(f"Lesson started for the class: {file.lesson.title} ({len(file.lesson.steps)} steps)")
    return EXIT_OK


def show_json(progress: ClassProgress | None) -> dict:
    """The `show --json` document: {"title", "name", "steps" (how many), "started_at", "students": {name: the
    step they are on, 1-based; one past the last once finished}}; title null when no lesson runs."""
    if progress is None:
        return {"title": None, "name": None, "steps": 0, "started_at": None, "students": {}}
    return {"title": progress.lesson.title, "name": progress.running.name,
            "steps": len(progress.lesson.steps), "started_at": progress.running.started_at,
            "students": {student.name: student.number for student in progress.students}}


def _show(lessons: Lessons, as_json: bool) -> int:
    progress = lessons.class_progress()
    if as_json:
        print(json.dumps(show_json(progress), ensure_ascii=False, indent=2))
        return EXIT_OK
    if progress is None:
        print("No lesson is running for the class.")
        return EXIT_OK
    since = duration(max(0.0, time.time() - progress.running.started_at))
    print(f"{progress.lesson.title} ({len(progress.lesson.steps)} steps), started {since} ago")
    for student in progress.students:
        step = f"step {student.number} of {student.total} ({student.kind})"
        where = "finished" if student.finished else f"{step}, {duration(student.seconds)} on it"
        print(f"  {student.name}: {where}")
    return EXIT_OK


def run_lesson(args: argparse.Namespace) -> int:
    """Carry out list, check, start, show or end (all but check against the runs directory's classroom)."""
    if args.action == "check":
        return _check(args.file)
    from cnnlab.lab import Lab, Settings  # here: the Lab brings numpy, which `check` does without

    lessons = Lab(Settings.from_environment()).lessons
    if args.action == "list":
        return _list(lessons, args.json)
    if args.action == "start":
        return _start(lessons, args.lesson)
    if args.action == "show":
        return _show(lessons, args.json)
    ended = lessons.end_class()
    print(f"Ended: {ended.title}" if ended else "No lesson is running; nothing to end.")
    return EXIT_OK
