"""The command line: `python -m cnnlab summary (--preset NAME | SPEC.json) [--json]`, train, export, explain,
challenge, teacher-link.

Every command is a `Command` in `COMMANDS`; to add one, append it there and keep heavy imports (TensorFlow)
inside its `run`, so `summary` stays fast. Bad input exits with status 2 and one line per problem on stderr;
no traceback ever reaches the user.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cnnlab.cli.challenge import add_challenge_arguments, run_challenge
from cnnlab.cli.class_digits import add_class_digits_arguments, run_class_digits
from cnnlab.cli.explain import add_explain_arguments, run_explain
from cnnlab.cli.export import add_export_arguments, run_export
from cnnlab.cli.inputs import EXIT_BAD_INPUT, UsageError
from cnnlab.cli.lesson import add_lesson_arguments, run_lesson
from cnnlab.cli.summary import add_summary_arguments, run_summary
from cnnlab.cli.teacher_link import add_teacher_link_arguments, run_teacher_link
from cnnlab.cli.train import add_train_arguments, run_train


@dataclass(frozen=True)
class Command:
    """A subcommand: `add_arguments` fills its parser, `run` does the work and returns the exit status."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: list[Command] = [
    Command("summary", "shapes, parameters and formulas of an architecture", add_summary_arguments,
            run_summary),
    Command("train", "train an architecture on MNIST and save the model", add_train_arguments, run_train),
    Command("export", "a trained model file as ONNX or as a Keras 2 .h5", add_export_arguments, run_export),
    Command("explain", "one value of a trained model, traced: its inputs, weights, arithmetic, Keras's value",
            add_explain_arguments, run_explain),
    Command("challenge", "set, show or end the class challenge", add_challenge_arguments, run_challenge),
    Command("class-digits", "count or export our class's handwriting (digits drawn on Predict)",
            add_class_digits_arguments, run_class_digits),
    Command("lesson", "list, check, start, show or end lessons", add_lesson_arguments, run_lesson),
    Command("teacher-link", "print the teacher's dashboard address", add_teacher_link_arguments,
            run_teacher_link),
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
