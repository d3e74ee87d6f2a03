"""Who the student is and how they move between pages: the owner token, mirrored in the URL as `?u=`.

The token lives in `st.session_state` for the session, in the address bar, and in a cookie of this site in
the student's browser, so a refresh, a bookmark, a reopened tab, and any CNN Lab address opened without
`?u=` in the same browser (a Share link, the bare address) is the same student (their stack and their runs).
Nobody can guess it; other browsers and devices get their own. Which identity a new session takes when the
address and the cookie disagree, the browser's own id, and "I'm someone else on this computer" (limited per
browser, confirmed first) are `cnnlab.ui.identity`'s.
"""

from __future__ import annotations

from enum import StrEnum

import streamlit as st

from cnnlab.core.text import plain
from cnnlab.ui import identity, layout
from cnnlab.ui.heap import freeze_imports
from cnnlab.ui.identity import OWNER_PARAM
from cnnlab.ui.teacher_session import holds_teacher_key


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
    LESSON = "pages/8_Lesson.py"


PAGES = (  # (page, label, icon) of the sidebar navigation, in order
    (Page.HOME, "Home", ":material/home:"),
    (Page.LESSON, "Lesson", ":material/menu_book:"),
    (Page.BUILD, "Build", ":material/stacks:"),
    (Page.TRAIN, "Train", ":material/model_training:"),
    (Page.RESULTS, "Results", ":material/insights:"),
    (Page.PREDICT, "Predict", ":material/draw:"),
    (Page.COMPARE, "Compare", ":material/compare_arrows:"),
    (Page.LEADERBOARD, "Leaderboard", ":material/leaderboard:"),
)


def current_owner() -> str:
    """This session's owner token (`identity.session_owner`: the session's, else by the address and this
    browser's cookie, asking first when they disagree).

    Also writes it back to the URL on every run, since moving between pages drops the query string.
    """
    owner = identity.session_owner()
    if st.query_params.get(OWNER_PARAM) != owner:
        st.query_params[OWNER_PARAM] = owner
    return owner


def _someone_else() -> None:
    """Start a fresh identity in this browser (a shared lab PC), if its limit allows; say what happened."""
    ok, message = identity.start_someone_else()
    flash(Level.info if ok else Level.error, plain(message))


def _render_someone_else() -> None:
    """ "I'm someone else on this computer": a panel that states the limit and asks for confirmation."""
    allowance = identity.someone_else_allowance()
    with st.popover(identity.SOMEONE_ELSE, icon=":material/person_add:", help=identity.SOMEONE_ELSE_HELP):
        st.markdown(plain(identity.someone_else_text(allowance)))
        st.button("Yes, start as a new student", key="session_someone_else", on_click=_someone_else,
                  type="primary", disabled=not allowance.ok)


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
        _render_someone_else()
        identity.remember_in_browser(owner)
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
