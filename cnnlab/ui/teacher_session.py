"""The teacher's key in a browser session: taken from `/Teacher?key=…`, checked in constant time, and kept in
the session so moving between pages keeps the dashboard open. A wrong or missing key grants nothing, and a
key in any other page's address is ignored.
"""

from __future__ import annotations

import streamlit as st

from cnnlab.lab import running_lab

KEY_PARAM = "key"
TEACHER_KEY_STATE = "teacher_key"


def holds_teacher_key() -> bool:
    """True when this session kept the teacher key from an earlier visit to the dashboard."""
    return running_lab().teacher_key.matches(st.session_state.get(TEACHER_KEY_STATE))


def sign_in_from_url() -> bool:
    """On the dashboard: keep `?key=` in the session when it is the teacher key; True when the session now
    holds the key (from this address or an earlier one)."""
    from_url = st.query_params.get(KEY_PARAM)
    if running_lab().teacher_key.matches(from_url):
        st.session_state[TEACHER_KEY_STATE] = from_url
    return holds_teacher_key()
