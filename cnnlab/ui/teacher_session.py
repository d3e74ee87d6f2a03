"""The teacher's key in a browser session: taken from `/Teacher?key=…`, checked in constant time, dropped from
the address after the first load (a projected dashboard never shows it), and kept in the session and in a
teacher cookie of this browser (a value derived from the key, `TeacherKey.cookie_value`), so moving between
pages and reopening `/Teacher` keep the dashboard open. A wrong or missing key grants nothing, and a key in
any other page's address is ignored. "Sign out on this browser" forgets both.
"""

from __future__ import annotations

import streamlit as st

from cnnlab.lab import running_lab

KEY_PARAM = "key"
TEACHER_KEY_STATE = "teacher_key"
TEACHER_COOKIE = "cnnlab_teacher"
COOKIE_WRITTEN = "teacher_cookie_written"
SIGNED_OUT = "teacher_signed_out"  # this session signed out: the cookie its request carried no longer counts
COOKIE_MAX_AGE_S = 365 * 24 * 3600


def holds_teacher_key() -> bool:
    """True when this session kept the teacher key from an earlier visit to the dashboard, or this browser
    holds the teacher cookie (and did not sign out in this session)."""
    key = running_lab().teacher_key
    if key.matches(st.session_state.get(TEACHER_KEY_STATE)):
        return True
    return not st.session_state.get(SIGNED_OUT) and key.matches_cookie(st.context.cookies.get(TEACHER_COOKIE))


def sign_in_from_url() -> bool:
    """On the dashboard: keep `?key=` in the session when it is the teacher key, and take it out of the
    address either way; True when the session or this browser now holds the key."""
    from_url = st.query_params.pop(KEY_PARAM, None)
    if running_lab().teacher_key.matches(from_url):
        st.session_state[TEACHER_KEY_STATE] = from_url
        if st.session_state.pop(SIGNED_OUT, None):
            st.session_state.pop(COOKIE_WRITTEN, None)
    return holds_teacher_key()


def _set_cookie(value: str, max_age_s: int) -> None:
    """One line of script on the teacher's own page that sets (or, with max-age 0, deletes) the cookie."""
    st.html(f"<script>document.cookie = '{TEACHER_COOKIE}={value}; path=/; max-age={max_age_s}; "
            "SameSite=Strict';</script>", unsafe_allow_javascript=True)


def sync_cookie() -> None:
    """Bring this browser's teacher cookie in line with the session, once: written when the session holds
    the key, deleted after "Sign out" (the value is 64 hex digits, so it cannot break the script)."""
    if st.session_state.get(COOKIE_WRITTEN):
        return
    if st.session_state.get(SIGNED_OUT):
        if TEACHER_COOKIE in st.context.cookies:
            _set_cookie("", 0)
    elif holds_teacher_key():
        value = running_lab().teacher_key.cookie_value()
        if st.context.cookies.get(TEACHER_COOKIE) != value:
            _set_cookie(value, COOKIE_MAX_AGE_S)
    else:
        return
    st.session_state[COOKIE_WRITTEN] = True


def _sign_out() -> None:
    st.session_state.pop(TEACHER_KEY_STATE, None)
    st.session_state.pop(COOKIE_WRITTEN, None)
    st.session_state[SIGNED_OUT] = True


def render_sign_out() -> None:
    """A button that makes this browser forget the teacher key (a lent or shared computer); the dashboard
    then needs the teacher link again."""
    st.button("Sign out of the dashboard on this browser", key="teacher_sign_out", on_click=_sign_out,
              icon=":material/logout:", help="This browser then needs the teacher link again to open the "
                                            "dashboard.")
