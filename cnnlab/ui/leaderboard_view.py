"""The projector page's parts: the challenge and its standings in large type, and the scatter; the whole
board redraws itself every few seconds as runs finish. Names only, never tokens or links to runs."""

from __future__ import annotations

from contextlib import nullcontext

import streamlit as st

from cnnlab.classroom.challenges import SetChallenge
from cnnlab.classroom.leaderboard import Standing, standings
from cnnlab.classroom.leaderboard_chart import standings_figure
from cnnlab.core.challenge import describe_limits
from cnnlab.core.text import duration, plain
from cnnlab.lab import running_lab
from cnnlab.ui import projector
from cnnlab.ui.job_view import accuracy_text

REFRESH_S = 10  # seconds between redraws: a run takes longer than that to finish
ALL_RUNS = 100_000
_LARGE_TYPE = """<style>
.st-key-leaderboard_rows { overflow-x: auto; }
.st-key-leaderboard_rows table { font-size: 1.9rem; width: 100%; }
.st-key-leaderboard_rows th { font-size: 1.3rem; }
@media (max-width: 640px) {  /* a phone: large type would push the accuracy off the screen */
  .st-key-leaderboard_rows table { font-size: 1.05rem; }
  .st-key-leaderboard_rows th { font-size: 0.9rem; }
}
</style>"""


def _row(standing: Standing) -> str:
    seconds = "—" if standing.elapsed_s is None else duration(standing.elapsed_s)
    return (
        f"| {standing.rank} | {plain(standing.name)} | **{accuracy_text(standing.test_accuracy)}** | "
        f"{standing.params:,} | {standing.epochs} | {seconds} |"
    )


def standings_markdown(rows: list[Standing]) -> str:
    """The standings as a Markdown table, every name escaped so it shows literally."""
    head = (
        "| # | Student | Test accuracy | Parameters | Epochs | Time |\n| --: | --- | --: | --: | --: | --: |"
    )
    return "\n".join([head, *(_row(row) for row in rows)])


def render_board(entry: SetChallenge, on_projector: bool = False) -> None:
    """Title, limits, standings (best first) and the scatter of one challenge; `on_projector`: laid out
    for the projector (`cnnlab.ui.projector`), with the join address beside the title."""
    status = "" if entry.active else " (ended — final standings)"
    with projector.title_column() if on_projector else nullcontext():
        st.header(plain(f"{entry.challenge.title}{status}"))
        if entry.challenge.text:
            st.markdown(f"### {plain(entry.challenge.text)}")
        st.caption(plain(" · ".join(describe_limits(entry.challenge)) or "no limits"))
    lab = running_lab()
    runs = lab.store.all_runs(ALL_RUNS)
    rows = standings(entry, runs, lab.classroom.roster.names(), lab.classroom.hidden.ids())
    if not rows:
        st.info("No finished runs yet — the board fills in as runs finish.")
        return
    if on_projector:
        projector.render_rows(rows, standings_markdown, REFRESH_S)
    else:
        st.html(_LARGE_TYPE)
        with st.container(key="leaderboard_rows"):
            st.markdown(standings_markdown(rows))
    figure = standings_figure(rows)
    if on_projector:
        figure.update_layout(font={"size": 24})  # axis labels readable from the back of the room
    st.plotly_chart(figure, key="leaderboard_scatter", config={"displayModeBar": False})


@st.fragment(run_every=REFRESH_S)
def live_board(on_projector: bool = False) -> None:
    """The active challenge's board, else the last one's, else a note that none was set."""
    entry = running_lab().classroom.challenges.latest()
    if entry is None:
        st.info(
            "No challenge has been set yet. The teacher sets one on the dashboard, or with "
            "`python -m cnnlab challenge set --title …`."
        )
        return
    render_board(entry, on_projector)
