"""The command line: `python -m cnnlab summary (--preset NAME | SPEC.json) [--json]`, and room for more.

Every command is a `Command` in `COMMANDS`; to add one, append it there and keep heavy imports (TensorFlow)
inside its `run`, so `summary` stays fast. Bad input exits with status 2 and one line per problem on stderr;
no traceback ever reaches the user.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cnnlab.arithmetic import analysis_to_json, analyze
from cnnlab.cli_train import add_train_arguments, run_train
from cnnlab.presets import PRESETS
from cnnlab.receptive_field import receptive_fields
from cnnlab.spec import MAX_SPEC_BYTES, SpecError, decode_spec_json
from cnnlab.summary_table import render_summary

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Input the user can fix (bad file, bad spec, unknown preset); its message is printed, exit status 2."""


@dataclass(frozen=True)
class Command:
    """A subcommand: `add_arguments` fills its parser, `run` does the work and returns the exit status."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def read_spec_file(path: str) -> object:
    """The JSON value in the file at `path` ("-" reads stdin), refusing directories, huge and binary files.

    Raises UsageError with a one-line message.
    """
    if path == "-":
        data = sys.stdin.buffer.read(MAX_SPEC_BYTES + 1)
    else:
        file = Path(path)
        try:
            if file.is_dir():
                raise UsageError(f"{path}: is a directory, not a spec file")
            size = file.stat().st_size
            if size > MAX_SPEC_BYTES:
                raise UsageError(f"{path}: {size:,} bytes is more than the cap of {MAX_SPEC_BYTES:,} bytes")
            with file.open("rb") as handle:
                data = handle.read(MAX_SPEC_BYTES + 1)
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file") from None
        except OSError as error:
            raise UsageError(f"{path}: cannot be read ({error.strerror or type(error).__name__})") from None
    try:
        return decode_spec_json(data, source=path if path != "-" else "stdin")
    except SpecError as error:
        raise UsageError(str(error)) from None


def _summary_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("spec", nargs="?", metavar="SPEC.json", help="architecture spec file (- for stdin)")
    source.add_argument("--preset", metavar="NAME", help=f"a built-in architecture: {', '.join(PRESETS)}")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a table")


def run_summary(args: argparse.Namespace) -> int:
    """Print the layer table (or JSON) of a preset or spec file; exit 2 with the problems for a bad spec."""
    if args.preset is not None and args.preset not in PRESETS:
        raise UsageError(f"unknown preset {args.preset!r}; one of {', '.join(PRESETS)}")
    raw = PRESETS[args.preset].spec if args.preset is not None else read_spec_file(args.spec)
    analysis = analyze(raw)
    if args.json:
        document = analysis_to_json(analysis)
        for layer, view in zip(document["layers"], receptive_fields(analysis), strict=True):
            layer["receptive_field"] = view.to_json() if view else None
        print(json.dumps(document, ensure_ascii=False, indent=2))
    elif analysis.ok:
        print(render_summary(analysis), end="")
    for problem in analysis.problems:
        print(problem, file=sys.stderr)
    return EXIT_OK if analysis.ok else EXIT_BAD_INPUT


COMMANDS: list[Command] = [
    Command("summary", "shapes, parameters and formulas of an architecture", _summary_arguments, run_summary),
    Command("train", "train an architecture on MNIST and save the model", add_train_arguments, run_train),
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per entry of COMMANDS."""
    parser = argparse.ArgumentParser(prog="python -m cnnlab", description="CNN Lab from the command line.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_arguments(commands.add_parser(command.name, help=command.help, description=command.help))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv`, run the command and return its exit status (2 for anything the user can fix)."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    run = next(command.run for command in COMMANDS if command.name == args.command)
    try:
        return run(args)
    except UsageError as error:
        print(f"cnnlab {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
