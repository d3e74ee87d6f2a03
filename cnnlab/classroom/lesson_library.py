"""The lessons a class can follow: those shipped with CNN Lab (`cnnlab/lessons/*.toml`) and the teacher's own
(`<runs dir>/lessons/*.toml`, written there by hand or uploaded on the dashboard). A teacher's lesson with a
shipped lesson's name takes its place. Files are read and checked on every listing (a few small files), and
each distinct file's reading is kept, so a lesson is parsed once per server.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cnnlab.core.lesson import (
    MAX_LESSON_BYTES,
    Lesson,
    LessonProblem,
    LessonReading,
    is_lesson_name,
    lesson_name,
    read_lesson,
)
from cnnlab.engine.paths import PROJECT_ROOT, atomic_write_bytes

SHIPPED_LESSONS = PROJECT_ROOT / "cnnlab" / "lessons"
TEACHER_LESSONS = "lessons"  # the folder of the teacher's own lessons in the runs directory
MAX_TEACHER_LESSONS = 200


class Origin(StrEnum):
    """Where a lesson file comes from."""

    shipped = "shipped"
    teacher = "teacher"


@dataclass(frozen=True)
class LessonFile:
    """One lesson file: its name, origin, text, and its reading (the lesson, or its problems)."""

    name: str
    origin: Origin
    source: str
    reading: LessonReading

    @property
    def lesson(self) -> Lesson | None:
        """The lesson, or None when the file has problems."""
        return self.reading.lesson


@functools.lru_cache(maxsize=256)
def read_source(source: str, name: str) -> LessonReading:
    """`read_lesson` of a lesson's text, kept per distinct text (a lesson is read on every page run)."""
    return read_lesson(source, name)


class LessonLibrary:
    """The shipped lessons and the teacher's own, by name."""

    def __init__(self, shipped: Path, teacher: Path) -> None:
        """Read shipped lessons from `shipped` and the teacher's from (and save uploads to) `teacher`."""
        self.shipped = shipped
        self.teacher = teacher

    def _files(self, folder: Path, origin: Origin) -> dict[str, LessonFile]:
        files: dict[str, LessonFile] = {}
        try:
            paths = sorted(folder.glob("*.toml"))[:MAX_TEACHER_LESSONS]
        except OSError:
            return files
        for path in paths:
            name = lesson_name(path.name)  # "My Lesson.toml" is the lesson my-lesson
            if not is_lesson_name(name):
                continue
            try:
                with path.open("rb") as handle:
                    data = handle.read(MAX_LESSON_BYTES + 1)
            except OSError:
                continue
            try:
                source = data.decode("utf-8").removeprefix("\ufeff")
            except UnicodeDecodeError:
                source, reading = "", read_lesson(data, name)
            else:
                reading = read_source(source, name)
            files[name] = LessonFile(name, origin, source, reading)
        return files

    def files(self) -> list[LessonFile]:
        """Every lesson file, valid or not, by name (a teacher's file replaces a shipped one of its name)."""
        found = self._files(self.shipped, Origin.shipped) | self._files(self.teacher, Origin.teacher)
        return [found[name] for name in sorted(found)]

    def lessons(self) -> list[LessonFile]:
        """The lessons a class can follow: every file without a problem."""
        return [file for file in self.files() if file.lesson is not None]

    def get(self, name: object) -> LessonFile | None:
        """The valid lesson called `name` (as `lesson_name` writes it: "My_Lesson" is my-lesson), or None."""
        wanted = lesson_name(name) if isinstance(name, str) else ""
        if not is_lesson_name(wanted):
            return None
        return next((file for file in self.lessons() if file.name == wanted), None)

    def save(self, filename: str, data: bytes) -> tuple[LessonFile | None, tuple[LessonProblem, ...]]:
        """Check an uploaded lesson and, when it has no problem, keep it as the teacher's `<name>.toml`
        (replacing one of that name). Returns the saved file, or the problems and saves nothing."""
        name = lesson_name(filename)
        if not is_lesson_name(name):
            return None, (LessonProblem(None, None, f"the file name {filename[:60]!r} makes no lesson name: "
                                                    "use letters and digits, e.g. my-lesson.toml"),)
        reading = read_lesson(data, name)
        if reading.lesson is None:
            return None, reading.problems
        atomic_write_bytes(self.teacher / f"{name}.toml", data)
        return LessonFile(name, Origin.teacher, data.decode("utf-8").removeprefix("\ufeff"), reading), ()
