"""Who the student is and how they move between pages: the owner token, mirrored in the URL as `?u=`.

The token lives in `st.session_state` for the session and in the address bar, so a refresh, a bookmark or a
reopened tab with the same URL is the same student (their stack and their runs), and nobody can guess it.
"""

from __future__ import annotations

from enum import StrEnum

import streamlit as st

from cnnlab.engine.owners import is_owner_token, new_owner_token
from cnnlab.ui.teacher_session import holds_teacher_key

OWNER_KEY = "owner"
OWNER_PARAM = "u"


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
    """This session's owner token: kept from earlier runs, else taken from `?u=`, else a fresh one.

    Also writes it back to the URL on every run, since moving between pages drops the query string.
    """
    owner = st.session_state.get(OWNER_KEY)
    if not is_owner_token(owner):
        from_url = st.query_params.get(OWNER_PARAM)
        owner = from_url if is_owner_token(from_url) else new_owner_token()
        st.session_state[OWNER_KEY] = owner
    if st.query_params.get(OWNER_PARAM) != owner:
        st.query_params[OWNER_PARAM] = owner
    return owner


def start_page(title: str) -> str:
    """Common top of every page: tab title, the owner token, the sidebar navigation. Returns the owner."""
    st.set_page_config(page_title=f"{title} · CNN Lab", page_icon=":material/grid_view:", layout="wide")
    owner = current_owner()
    with st.sidebar:
        st.markdown("**CNN Lab**")
        for page, label, icon in PAGES:
            link(page, label, icon, owner)
        if holds_teacher_key():
            link(Page.TEACHER, "Teacher", ":material/school:", owner)
        st.caption("Your work is tied to this page's address (the `u=` part). Bookmark it to come back to "
                   "your stack and your runs; don't share it — use Build's Share link instead.")
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
