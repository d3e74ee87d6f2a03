"""Leaderboard: the challenge's standings for the projector, updating as runs finish. Needs no key.

`/Leaderboard?view=projector` is the full-screen view for the projector: no sidebar, large type, the class
in two columns, the join address with its QR code.
"""

import streamlit as st

from cnnlab.ui import join, layout, leaderboard_view, projector, session

on_projector = projector.requested()
session.start_page("Leaderboard", layout.View.projector if on_projector else layout.View.student)
if not on_projector:
    st.title("Leaderboard")
leaderboard_view.live_board(on_projector)
if not on_projector:
    st.caption("On the projector, open this page as `/Leaderboard?view=projector`: no sidebar, large type.")
    join.render_join()
