"""Leaderboard: the challenge's standings for the projector, updating as runs finish. Needs no key."""

import streamlit as st

from cnnlab.ui import leaderboard_view, session

session.start_page("Leaderboard")
st.title("Leaderboard")
leaderboard_view.live_board()
