"""The projector page's parts: the challenge and its standings in large type, and the scatter; the whole
board redraws itself every few seconds as runs finish. Names only, never tokens or links to runs."""

from __future__ import annotations

from contextlib import nullcontext

import streamlit as st

from cnnlab.classroom.challenges import SetChallenge
from cnnlab.classroom.leaderboard import Standing, standings
from cnnlab.classroom.leaderboard_chart import standings_figure
from cnnlab.core.challenge import ChallengeScore, describe_limits
from cnnlab.core.class_digits import class_score_text
from cnnlab.core.text import duration, plain
from cnnlab.lab import running_lab
from cnnlab.ui import lesson_class, projector
from cnnlab.ui.job_view import accuracy_text

REFRESH_S = 10  # seconds between redraws: a run takes longer than that to finish
LATEST = 0  # the board picker's first choice: the newest challenge, whichever it is
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


def score_text(standing: Standing) -> str:
    """A standing's score as shown: "98.91 %" (test accuracy), "87.0 % (54 drawings)" (class handwriting)."""
    if standing.drawings is None:
        return accuracy_text(standing.score)
    return class_score_text(standing.score, standing.drawings)


def _row(standing: Standing, ranked: bool) -> str:
    seconds = "—" if standing.elapsed_s is None else duration(standing.elapsed_s)
    rank = standing.rank if ranked else "—"
    return (
        f"| {rank} | {plain(standing.name)} | **{score_text(standing)}** | "
        f"{standing.params:,} | {standing.epochs} | {seconds} |"
    )


def standings_markdown(rows: list[Standing], score: ChallengeScore, ranked: bool = True) -> str:
    """The standings as a Markdown table, every name escaped so it shows literally; the score's column is
    named after what the challenge ranks by (unranked: "—" for the rank)."""
    head = (
        f"| # | Student | {score.words.capitalize()} | Parameters | Epochs | Time |\n"
        "| --: | --- | --: | --: | --: | --: |"
    )
    return "\n".join([head, *(_row(row, ranked) for row in rows)])


def render_board(entry: SetChallenge, on_projector: bool = False) -> None:
    """Title, limits, standings (best first) and the scatter of one challenge; for an ended one, the runs
    scored after its end below the board, unranked. `on_projector`: laid out for the projector
    (`cnnlab.ui.projector`), with the join address beside the title."""
    status = "" if entry.active else " (ended — final standings)"
    score = entry.challenge.score
    with projector.title_column() if on_projector else nullcontext():
        st.header(plain(f"{entry.challenge.title}{status}"))
        if entry.challenge.text:
            st.markdown(f"### {plain(entry.challenge.text)}")
        st.caption(plain(" · ".join(describe_limits(entry.challenge)) or "no limits"))
        st.markdown(f"Ranked by **{score.words}**; a tie goes to fewer parameters, then to the earlier run.")
    lab = running_lab()
    runs = lab.store.all_runs(ALL_RUNS)
    names, hidden = lab.classroom.roster.names(), lab.classroom.hidden.ids()
    class_scores = lab.class_digits.scores.lines()
    rows = standings(entry, runs, names, hidden, class_scores)
    if not rows:
        later = " A run counts once it is scored on our class's handwriting." * (
            score == ChallengeScore.CLASS_DIGITS)
        st.info(f"No finished runs yet — the board fills in as runs finish.{later}")
    else:
        if on_projector:
            projector.render_rows(rows, lambda part: standings_markdown(part, score), REFRESH_S)
        else:
            st.html(_LARGE_TYPE)
            with st.container(key="leaderboard_rows"):
                st.markdown(standings_markdown(rows, score))
        figure = standings_figure(rows, score.words)
        if on_projector:
            figure.update_layout(font={"size": 24})  # axis labels readable from the back of the room
        st.plotly_chart(figure, key="leaderboard_scatter", config={"displayModeBar": False})
    late = standings(entry, runs, names, hidden, class_scores, after_the_end=True)
    if late:
        st.subheader("After the end")
        st.caption("Runs submitted during the challenge that were scored after it ended: not ranked.")
        with st.container(key="leaderboard_after_the_end"):
            st.markdown(standings_markdown(late, score, ranked=False))


def _board_label(entries: dict[int, SetChallenge], choice: int) -> str:
    if choice == LATEST:
        return "The current challenge (follows the teacher)"
    entry = entries[choice]
    return f"{entry.challenge.title} ({'active' if entry.active else 'ended'})"


@st.fragment(run_every=REFRESH_S)
def live_board(on_projector: bool = False) -> None:
    """The board picked: by default the active challenge's; with none active, the class's lesson progress
    while a lesson runs, else the last challenge's board. Every earlier board of this class can be picked
    (not on the projector, which follows the teacher); with no challenge and no lesson, a note that none
    was set."""
    entries = {entry.challenge_id: entry for entry in running_lab().classroom.challenges.all()}
    latest = next(iter(entries.values()), None)  # all() is newest first
    choice = LATEST
    if entries and not on_projector:
        choice = st.selectbox("Board", [LATEST, *entries], key="leaderboard_pick",
                              format_func=lambda choice: _board_label(entries, choice),
                              help="Every challenge of this class keeps its board: pick one to show it.")
    idle = latest is None or not latest.active
    if choice == LATEST and idle and lesson_class.render_projector_progress():
        return  # no challenge running: the class's progress through its lesson
    if latest is None:
        st.info(
            "No challenge has been set yet. The teacher sets one on the dashboard, or with "
            "`python -m cnnlab challenge set --title …`."
        )
        return
    render_board(entries.get(choice) or latest, on_projector)
