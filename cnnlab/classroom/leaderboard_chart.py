"""The projector's scatter: each student's best run, parameters against its score, labelled by name."""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

from cnnlab.classroom.leaderboard import Standing


def standings_figure(rows: Sequence[Standing], score_words: str) -> go.Figure:
    """Parameters (log scale) vs the score ranked by (`score_words`: "test accuracy") in %, one labelled point
    per student; names are escaped, since Plotly reads `<b>` and friends in text as markup."""
    names = [html.escape(row.name) for row in rows]
    figure = go.Figure(
        go.Scatter(
            x=[row.params for row in rows],
            y=[row.score * 100 for row in rows],
            text=names,
            mode="markers+text",
            textposition="top center",
            marker={"size": 16},
            textfont={"size": 18},
            hovertemplate="%{text}<br>%{x:,} parameters<br>%{y:.2f} %<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"title": "parameters", "type": "log"},
        yaxis={"title": f"{score_words} (%)"},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"size": 18},
        height=480,
    )
    return figure
