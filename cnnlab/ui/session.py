"""Who the student is and how they move between pages: the owner token, mirrored in the URL as `?u=`.

The token lives in `st.session_state` for the session, in the address bar, and in a cookie of this site in
the student's browser, so a refresh, a bookmark, a reopened tab, and any CNN Lab address opened without
`?u=` in the same browser (a Share link, the bare address) is the same student (their stack and their runs).
Nobody can guess it; other browsers and devices get their own. The cookie is set by a line of script on
the student's own page (`st.html`, Streamlit's own API, nothing loaded from the internet) and read back
from the request with `st.context.cookies`.
"""

from __future__ import annotations

from enum import StrEnum

import streamlit as st

from cnnlab.engine.owners import is_owner_token, new_owner_token
from cnnlab.ui import layout
from cnnlab.ui.heap import freeze_imports
from cnnlab.ui.teacher_session import holds_teacher_key

OWNER_KEY = "owner"
OWNER_PARAM = "u"
OWNER_COOKIE = "cnnlab_owner"
COOKIE_KEY = "owner_in_cookie"  # the token this session last wrote to the cookie
COOKIE_MAX_AGE_S = 365 * 24 * 3600


class Page(StrEnum):
    """The app's pages, as the script paths `st.page_link` and `st.switch_page` take."""

    HOME = "app.py"
    BUILD = "pages/1_Build.py"
    TRAIN = "pages/2_Train.py"
    RESULTS = "pages/3_Results.py"
    PREDICT = "pages/4_Predict.py"
    COMPARE = "pages/5_Compare.py"
    TEACHER = "pages/6_Teacher.py"
    LEADERBOARD = "pages/7_Leaderboard.py"


PAGES = (  # (page, label, icon) of the sidebar navigation, in order
    (Page.HOME, "Home", ":material/home:"),
    (Page.BUILD, "Build", ":material/stacks:"),
    (Page.TRAIN, "Train", ":material/model_training:"),
    (Page.RESULTS, "Results", ":material/insights:"),
    (Page.PREDICT, "Predict", ":material/draw:"),
    (Page.COMPARE, "Compare", ":material/compare_arrows:"),
    (Page.LEADERBOARD, "Leaderboard", ":material/leaderboard:"),
)


def current_owner() -> str:
    """This session's owner token: kept from earlier runs, else taken from `?u=`, else from this browser's
    cookie, else a fresh one.

    Also writes it back to the URL on every run, since moving between pages drops the query string.
    """
    owner = st.session_state.get(OWNER_KEY)
    if not is_owner_token(owner):
        from_url = st.query_params.get(OWNER_PARAM)
        from_cookie = st.context.cookies.get(OWNER_COOKIE)
        owner = next((token for token in (from_url, from_cookie) if is_owner_token(token)), None)
        owner = owner or new_owner_token()
        st.session_state[OWNER_KEY] = owner
    if st.query_params.get(OWNER_PARAM) != owner:
        st.query_params[OWNER_PARAM] = owner
    return owner


def _remember_in_browser(owner: str) -> None:
    """Write the token to this browser's cookie when it is not there yet (once per session and token).

    The token is checked by `is_owner_token` (letters, digits, - and _ only), so it cannot break the script.
    """
    if owner in (st.session_state.get(COOKIE_KEY), st.context.cookies.get(OWNER_COOKIE)):
        return
    st.html(f"<script>document.cookie = '{OWNER_COOKIE}={owner}; path=/; max-age={COOKIE_MAX_AGE_S}; "
            "SameSite=Strict';</script>", unsafe_allow_javascript=True)
    st.session_state[COOKIE_KEY] = owner


def _someone_else() -> None:
    """Start a fresh identity in this browser (a shared lab PC): new token, nothing of the previous
    student's kept in this session."""
    st.session_state.clear()
    st.session_state[OWNER_KEY] = new_owner_token()
    flash(Level.info, "You are a new student on this computer: an empty stack and no runs yet. The previous "
                      "student's work is kept at their own address.")


def start_page(title: str, view: layout.View = layout.View.student) -> str:
    """Common top of every page: tab title, the layout rules for the screen, the owner token, the sidebar
    navigation (none in the projector view). Returns the owner."""
    st.set_page_config(page_title=f"{title} · CNN Lab", page_icon=":material/grid_view:", layout="wide")
    freeze_imports(title)
    layout.apply(view)
    owner = current_owner()
    if view is layout.View.projector:
        return owner
    with st.sidebar:
        st.markdown("**CNN Lab**")
        for page, label, icon in PAGES:
            link(page, label, icon, owner)
        if holds_teacher_key():
            link(Page.TEACHER, "Teacher", ":material/school:", owner)
        st.caption("This browser remembers your work (your stack and your runs), and so does this page's "
                   "address (the `u=` part): bookmark it to come back from another browser. Don't share it — "
                   "use Build's Share link instead.")
        st.button("I'm someone else on this computer", key="session_someone_else", on_click=_someone_else,
                  icon=":material/person_add:", help="Starts a fresh, empty identity in this browser, e.g. "
                                                     "on a shared lab PC.")
        _remember_in_browser(owner)
    return owner


def link(page: Page, label: str, icon: str, owner: str, **params: str) -> None:
    """A link to another page of the app that keeps the student's identity (and `params`) in its URL."""
    st.page_link(page.value, label=label, icon=icon, query_params={OWNER_PARAM: owner, **params})


def go_to(page: Page, owner: str) -> None:
    """Switch to another page of the app, keeping the student's identity in the URL."""
    st.switch_page(page.value, query_params={OWNER_PARAM: owner})



class Level(StrEnum):
    """How a message is shown: the Streamlit call of that name."""

    success = "success"
    info = "info"
    warning = "warning"
    error = "error"


FLASH_KEY = "flash"


def flash(level: Level, message: str) -> None:
    """Queue a message for this page run's message area, e.g. from a widget callback (which runs first).

    `message` is rendered as Markdown: pass user text through `text.plain` first.
    """
    st.session_state.setdefault(FLASH_KEY, []).append((level, message))


def show_flashes() -> None:
    """Show and forget the queued messages."""
    for level, message in st.session_state.pop(FLASH_KEY, []):
        getattr(st, Level(level))(message)
