"""The web server's CPU per Build change: the page rerun a student's edit costs, measured in-process.

    python bench/build_cpu.py [--changes 60] [--profile]

Opens `/Build?preset=convnet` in Streamlit's AppTest (the page script as the server runs it, without the
websocket) and changes the first Conv2D's filters `--changes` times, cycling through the six values
bench/classroom_load.py's students pick, so cached figures see repeated stacks as in a class. Prints this
process's CPU seconds per change (all threads: the script thread and AppTest's own work). With `--profile`
it also prints the cProfile of the script thread, heaviest first by cumulative time — where a change's CPU
goes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FILTERS = (8, 16, 24, 32, 48, 64)
FIELD = "build_edit_filters_0"


def main() -> None:
    """Warm the page up once per value, then time (and optionally profile) the changes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--profile", action="store_true", help="print the script thread's cProfile")
    args = parser.parse_args()
    os.environ.setdefault("CNNLAB_RUNS_DIR", tempfile.mkdtemp(prefix="cnnlab-bench-"))
    from cnnlab.testing.apptest import BUILD, open_page

    page = open_page(BUILD, preset="convnet")
    for filters in FILTERS:
        page.number_input(key=FIELD).set_value(filters).run()
    profiler = cProfile.Profile()
    if args.profile:  # AppTest runs the script in a thread of its own: profile that thread
        threading.setprofile(lambda *_: (sys.setprofile(None), profiler.enable()))
    started = time.process_time()
    for change in range(args.changes):
        page.number_input(key=FIELD).set_value(FILTERS[change * 5 % len(FILTERS)]).run()
    cpu_ms = 1000 * (time.process_time() - started) / args.changes
    threading.setprofile(None)
    note = ", profiled" if args.profile else ""
    print(f"{cpu_ms:.1f} ms of CPU per Build change ({args.changes} changes{note})")
    if args.profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
