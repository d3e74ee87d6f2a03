"""`python -m cnnlab challenge set|show|end`: set the class a challenge before class, look at it, end it.

Uses the same runs directory as the server (`Settings.runs_dir`, from the same environment), which
enforces the challenge on every job submitted after it is set. Bad values exit with status 2 and one message
per problem.
"""

from __future__ import annotations

import argparse
import json

from cnnlab.classroom.challenges import SetChallenge
from cnnlab.cli.inputs import EXIT_OK, UsageError
from cnnlab.core.challenge import challenge_to_dict, describe_limits, parse_challenge


def add_challenge_arguments(parser: argparse.ArgumentParser) -> None:
    """The challenge command's actions: set (with its limits), show [--json], end."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    setting = actions.add_parser("set", help="make a challenge the active one (ends the one before)")
    setting.add_argument("--title", required=True, help="a few words naming the challenge")
    setting.add_argument(
        "--text", default="", help='one line for the class, e.g. "≥ 98 %% with ≤ 10,000 parameters"'
    )
    setting.add_argument("--dataset", metavar="NAME",
                         help="what every run trains and is scored on: mnist (the default) or fashion")
    setting.add_argument("--max-params", metavar="N", help="most parameters a stack may have")
    setting.add_argument("--max-macs", metavar="N", help="most multiply-accumulates per image")
    setting.add_argument(
        "--layers", metavar="TYPES", help="allowed layer types, e.g. Conv2D,MaxPooling2D,Dense"
    )
    setting.add_argument("--epochs", metavar="N", help="most epochs a run may train")
    setting.add_argument("--train-images", metavar="N", help="most training images a run may use")
    setting.add_argument(
        "--lock",
        action="append",
        metavar="FIELD=VALUE[,…]",
        help="a training setting fixed for everyone (optimizer, learning_rate, batch_size, seed); repeat it "
        "to lock several (--lock optimizer=adam --lock batch_size=64) or give several at once, separated "
        "by commas (--lock optimizer=adam,batch_size=64)",
    )
    setting.add_argument(
        "--score",
        metavar="SCORE",
        help="what the leaderboard ranks by: test (accuracy on the 10,000 test images, the default) or "
        "class-digits (accuracy on our class's handwriting, the digits students added on Predict)",
    )
    show = actions.add_parser("show", help="print the active challenge, or the last one")
    show.add_argument("--json", action="store_true", help="print machine-readable JSON")
    actions.add_parser("end", help="end the active challenge; its leaderboard stays viewable")


def parse_locks(texts: list[str] | None) -> dict[str, str] | None:
    """Every `--lock` given, added up: ["optimizer=adam", "batch_size=64,seed=1"] → {"optimizer": "adam",
    "batch_size": "64", "seed": "1"}; UsageError for an item without "=", or a setting locked to two
    values."""
    if texts is None:
        return None
    locks: dict[str, str] = {}
    for item in filter(None, (part.strip() for text in texts for part in text.split(","))):
        field, equals, value = (part.strip() for part in item.partition("="))
        if not equals or not field or not value:
            raise UsageError(f"--lock takes FIELD=VALUE items separated by commas (got {item[:40]!r})")
        if locks.get(field, value) != value:
            raise UsageError(f"--lock gives {field} two values ({locks[field]} and {value[:40]}); lock each "
                             "setting once")
        locks[field] = value
    return locks


def challenge_json(entry: SetChallenge | None) -> dict:
    """The `show --json` document: {"active": bool, "challenge": {...} or null, "started_at", "ended_at"}."""
    if entry is None:
        return {"active": False, "challenge": None, "started_at": None, "ended_at": None}
    return {
        "active": entry.active,
        "challenge": challenge_to_dict(entry.challenge),
        "started_at": entry.started_at,
        "ended_at": entry.ended_at,
    }


def _describe(entry: SetChallenge) -> str:
    status = "active" if entry.active else "ended"
    lines = [f"{entry.challenge.title} ({status})"]
    lines += [entry.challenge.text] if entry.challenge.text else []
    limits = describe_limits(entry.challenge)
    lines.append("limits: " + ("; ".join(limits) if limits else "none"))
    return "\n".join(lines)


def run_challenge(args: argparse.Namespace) -> int:
    """Carry out set, show or end against the runs directory's classroom database."""
    from cnnlab.lab import Lab, Settings  # here: the Lab brings numpy, which `summary` does without

    store = Lab(Settings.from_environment()).classroom.challenges
    if args.action == "set":
        raw = {
            "title": args.title,
            "text": args.text,
            "max_params": args.max_params,
            "max_macs": args.max_macs,
            "layers": args.layers,
            "epochs": args.epochs,
            "train_images": args.train_images,
            "locks": parse_locks(args.lock),
            "dataset": args.dataset,
            "score": args.score,
        }
        challenge, problems = parse_challenge(raw)
        if challenge is None:
            raise UsageError("; ".join(problems))
        print("Challenge set: " + _describe(store.start(challenge)))
    elif args.action == "show":
        entry = store.latest()
        if args.json:
            print(json.dumps(challenge_json(entry), ensure_ascii=False, indent=2))
        else:
            print(_describe(entry) if entry else "No challenge has been set.")
    else:
        ended = store.end()
        print(f"Ended: {ended.challenge.title}" if ended else "No challenge is active; nothing to end.")
    return EXIT_OK
