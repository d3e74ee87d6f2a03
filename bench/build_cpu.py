"""The web server's CPU per Build action, by kind: what one student's edits cost the server's one core.

    .venv/bin/python bench/build_cpu.py [--rounds 30] [--json]

Starts the app as the README does (`make run`, 127.0.0.1, a temporary runs directory), opens
`/Build?preset=convnet` as one student over the browser's own protocol, and replays `--rounds` rounds of
the classroom load test's edits (`cnnlab.testing.build_edits`: pick a layer, change the first Conv2D's
filters, choose Dense, its units and position, add it, pick it, delete it), the filters and units cycling
through the values the load test's students pick, so the server's per-stack caches see repeated stacks as
in a class. For every action it reads the server process's CPU time before and after (the script run, the
websocket, the messages: everything the action made the server do) and counts the elements the server
sent. Prints the mean per kind of action and over a whole round; three warm-up rounds are not counted.
The CPU clock ticks in 10 ms steps: the means over many rounds are what to read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from cnnlab.core.presets import preset_spec
from cnnlab.core.stack_doc import stack_from_spec
from cnnlab.engine.owners import new_owner_token
from cnnlab.testing.build_edits import FILTERS, UNITS, edit_round
from cnnlab.testing.server import cpu_seconds, started_server, streamlit_pid
from cnnlab.testing.streamlit_client import StreamlitSession

WARM_UP_ROUNDS = 3
SETTLE_S = 0.02  # after the run's last message, for the server to finish sending it


async def measure(base_url: str, server_pid: int | None, rounds: int) -> dict[str, dict[str, float]]:
    """Replay the rounds; per action label: mean CPU ms, elements sent, and whether the whole page reran."""
    cpu: dict[str, list[float]] = defaultdict(list)
    elements: dict[str, list[int]] = defaultdict(list)
    whole: dict[str, list[bool]] = defaultdict(list)
    stack = stack_from_spec(preset_spec("convnet"))
    session, _ = await StreamlitSession.open(base_url, "Build", f"preset=convnet&u={new_owner_token()}")
    try:
        for number in range(WARM_UP_ROUNDS + rounds):
            edits = edit_round(stack, FILTERS[number % len(FILTERS)], UNITS[number % len(UNITS)])
            for position, edit in enumerate(edits):
                before = cpu_seconds(server_pid)
                run = await session.interact(edit.values(session), edit.click)
                await asyncio.sleep(SETTLE_S)
                stack = edit.stack if edit.stack is not None else stack
                if number >= WARM_UP_ROUNDS:
                    label = f"{position + 1}. {edit.label.split(' → ')[0]}"
                    cpu[label].append(1000 * (cpu_seconds(server_pid) - before))
                    elements[label].append(len(run.elements))
                    whole[label].append(run.whole_page)
    finally:
        await session.close()
    return {label: {"cpu_ms": round(statistics.fmean(cpu[label]), 1),
                    "elements": round(statistics.fmean(elements[label]), 1),
                    "whole_page_share": round(statistics.fmean(whole[label]), 2)} for label in cpu}


def main() -> None:
    """Start the app, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds of eight edits measured")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnnlab-build-cpu-") as work_dir, \
            started_server(Path(work_dir)) as server:
        actions = asyncio.run(measure(server.url, streamlit_pid(server.process.pid), args.rounds))
    per_round = sum(action["cpu_ms"] for action in actions.values())
    figures = {"rounds": args.rounds, "actions": actions, "cpu_ms_per_round": round(per_round, 1),
               "cpu_ms_per_action": round(per_round / len(actions), 1)}
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    print(f"Server CPU per Build action, one student, {args.rounds} rounds:")
    for label, action in actions.items():
        reran = "whole page" if action["whole_page_share"] >= 0.5 else "its parts"
        print(f"  {label:<20} {action['cpu_ms']:6.1f} ms  {action['elements']:5.1f} elements  ({reran})")
    print(f"a round of 8: {per_round:.1f} ms; {per_round / len(actions):.1f} ms per action")


if __name__ == "__main__":
    main()
