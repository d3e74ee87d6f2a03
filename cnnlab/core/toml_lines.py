"""Where each key of a TOML document sits: `tomllib` reads a document but gives no line numbers, and a
lesson's problems must name the line a teacher has to fix ("line 12: …").

`key_lines` scans the text once, keeping track of strings (one-line and multi-line), comments and arrays that
run over several lines, and records the line of every key: at the top level, in each `[[NAME]]` table of an
array of tables, and in its `[NAME.SUB]` sub-tables (or dotted keys `SUB.key = …`). Keys inside an inline
table (`expect = { layer = 1 }`) take the line of the key that holds the table. A document tomllib accepted
is mapped exactly; anything else is mapped as far as it reads, never with an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class TableLines:
    """One table of an array of tables (`[[steps]]`): its header line, its keys' lines, its sub-tables'."""

    line: int
    keys: dict[str, int] = field(default_factory=dict)
    sub: dict[str, dict[str, int]] = field(default_factory=dict)

    def key(self, name: str) -> int:
        """The line of `name` in this table, else the table's header line."""
        return self.keys.get(name, self.line)

    def sub_key(self, table: str, name: str) -> int:
        """The line of `name` in sub-table `table` (`[steps.expect]` or `expect = {…}`), else of `table`."""
        return self.sub.get(table, {}).get(name, self.key(table))


@dataclass
class KeyLines:
    """Lines of a document's top-level keys and of each table in its arrays of tables, by array name."""

    top: dict[str, int] = field(default_factory=dict)
    arrays: dict[str, list[TableLines]] = field(default_factory=dict)

    def table(self, array: str, index: int) -> TableLines | None:
        """The `index`-th (0-based) `[[array]]` table, if the text has that many."""
        tables = self.arrays.get(array, [])
        return tables[index] if 0 <= index < len(tables) else None


def _read_key(text: str, start: int) -> tuple[list[str], int]:
    """The dotted key starting at `start` (bare or quoted parts) and the index just after it."""
    parts: list[str] = []
    index = start
    while index < len(text):
        while index < len(text) and text[index] in " \t":
            index += 1
        if index >= len(text):
            break
        char = text[index]
        if char in "\"'":
            end = index + 1
            while end < len(text) and text[end] != char:
                end += 2 if char == '"' and text[end] == "\\" else 1
            parts.append(text[index + 1:end])
            index = end + 1
        else:
            match = _BARE_KEY.match(text, index)
            if match is None:
                break
            parts.append(match.group())
            index = match.end()
        while index < len(text) and text[index] in " \t":
            index += 1
        if index < len(text) and text[index] == ".":
            index += 1
            continue
        break
    return parts, index


@dataclass
class _Scanner:
    """State carried from one line to the next: an open multi-line string, open brackets."""

    string: str | None = None  # '"""' or "'''" while a multi-line string is open
    depth: int = 0  # open [ and { of a value that runs over lines

    def value(self, text: str, index: int) -> None:
        """Scan a value (or its continuation) from `index` to the end of the line."""
        while index < len(text):
            if self.string is not None:
                end = text.find(self.string, index)
                if end < 0:
                    return
                index = end + 3
                self.string = None
                continue
            char = text[index]
            if text.startswith(('"""', "'''"), index):
                self.string = text[index:index + 3]
                index += 3
            elif char in "\"'":
                index += 1
                while index < len(text) and text[index] != char:
                    index += 2 if char == '"' and text[index] == "\\" else 1
                index += 1
            elif char == "#":
                return
            else:
                self.depth += (char in "[{") - (char in "]}")
                self.depth = max(self.depth, 0)
                index += 1

    @property
    def inside_value(self) -> bool:
        """True while the previous lines left a string or an array open."""
        return self.string is not None or self.depth > 0


def key_lines(text: str) -> KeyLines:
    """The line (1-based) of every key of the document `text`; see the module docstring.

    >>> lines = key_lines('title = "T"\\n[[steps]]\\nkind = "read"\\n[steps.expect]\\nlayer = 1\\n')
    >>> lines.top["title"], lines.table("steps", 0).line, lines.table("steps", 0).sub_key("expect", "layer")
    (1, 2, 5)
    """
    result = KeyLines()
    scanner = _Scanner()
    table: TableLines | None = None  # the [[array]] table keys go to
    sub: str | None = None  # the [array.SUB] table keys go to
    other_table = False  # inside some other [table]: its keys are not recorded
    for number, line in enumerate(text.splitlines(), start=1):
        if scanner.inside_value:
            scanner.value(line, 0)
            continue
        stripped = line.lstrip(" \t")
        offset = len(line) - len(stripped)
        if stripped.startswith("[[") or stripped.startswith("["):
            double = stripped.startswith("[[")
            parts, _ = _read_key(stripped, 2 if double else 1)
            if double and len(parts) == 1:
                table = TableLines(number)
                result.arrays.setdefault(parts[0], []).append(table)
                sub, other_table = None, False
            elif not double and len(parts) == 2 and table is not None and parts[0] in result.arrays:
                sub, other_table = parts[1], False
                table.keys.setdefault(sub, number)
                table.sub.setdefault(sub, {})
            else:
                table, sub, other_table = None, None, True
            continue
        if not stripped or stripped.startswith("#"):
            continue
        parts, after = _read_key(line, offset)
        if not parts or after >= len(line) or line[after] != "=":
            continue
        if table is None and not other_table:
            result.top.setdefault(parts[0], number)
        elif table is not None and sub is None:
            table.keys.setdefault(parts[0], number)
            if len(parts) > 1:
                table.sub.setdefault(parts[0], {}).setdefault(parts[1], number)
        elif table is not None and sub is not None:
            table.sub[sub].setdefault(parts[0], number)
        scanner.value(line, after + 1)
    return result
