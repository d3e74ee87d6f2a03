"""`python -m cnnlab summary (--preset NAME | SPEC.json) [--json]`: Keras's table plus the worked formulas."""

from __future__ import annotations

import argparse
import json
import sys

from cnnlab.cli.inputs import EXIT_BAD_INPUT, EXIT_OK, UsageError, read_spec_file
from cnnlab.core.advice import advise
from cnnlab.core.arithmetic import analysis_to_json, analyze
from cnnlab.core.presets import PRESETS
from cnnlab.core.receptive_field import receptive_fields
from cnnlab.core.summary_table import render_summary


def add_summary_arguments(parser: argparse.ArgumentParser) -> None:
    """The summary command's arguments: a spec file or --preset, and --json."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("spec", nargs="?", metavar="SPEC.json",
                        help="architecture spec file, or a Keras model file (.h5 / .keras); - for stdin")
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
        document["advice"] = [piece.to_json() for piece in advise(analysis)]
        print(json.dumps(document, ensure_ascii=False, indent=2))
    elif analysis.ok:
        print(render_summary(analysis), end="")
    for problem in analysis.problems:
        print(problem, file=sys.stderr)
    return EXIT_OK if analysis.ok else EXIT_BAD_INPUT

