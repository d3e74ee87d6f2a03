"""Who is at this browser: the browser's own id, the student's token, and what a `?u=` link may change.

Two cookies of this site, each written by a line of script on the student's own page (`st.html`, nothing
loaded from the internet) and read back from the request with `st.context.cookies`:

    cnnlab_owner    the student's token (also in the address as `?u=`): their stack and their runs
    cnnlab_browser  a random id of this browser, kept for a year, never shown: a shared lab PC keeps it
                    while students come and go, so the limits per browser (new identities here, waiting jobs
                    in the job manager) hold however many identities it starts

The rule for a new session (a new tab, a reload, an address typed or clicked), `choose_owner`:
1. A browser that already is a student stays that student. An address whose `?u=` is someone else's (a
   classmate's address, shared by mistake or on purpose) first asks "This link belongs to another student's
   work. Open it as them?" with **Open it as them** and **Stay yourself**. Staying yourself never changes the
   cookie; opening it as them makes this browser that student (as if they sat down here).
2. A browser with no student yet that opens a `?u=` address becomes that student without a question: it is
   how a student's own bookmark works on a new device, and such a browser has nobody's work to lose.
3. Otherwise (no cookie, no `?u=`): a new student.
A Share link never carries `u=` (`cnnlab.ui.links`), so it opens as whoever the browser is.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from cnnlab.classroom.identities import PER_BROWSER, WINDOW_S, Allowance
from cnnlab.core.text import duration
from cnnlab.engine.owners import is_owner_token, new_owner_token
from cnnlab.lab import running_lab

OWNER_KEY = "owner"
OWNER_PARAM = "u"
OWNER_COOKIE = "cnnlab_owner"
BROWSER_KEY = "browser"
BROWSER_COOKIE = "cnnlab_browser"
WRITTEN_KEY = "cookies_written"  # {cookie: value} this session last wrote
COOKIE_MAX_AGE_S = 365 * 24 * 3600
SOMEONE_ELSE = "I'm someone else on this computer"
SOMEONE_ELSE_HELP = (f"Starts a fresh, empty identity in this browser, e.g. on a shared lab PC, after you "
                     f"confirm. At most {PER_BROWSER} new identities per browser in {duration(WINDOW_S)}.")
LINK_QUESTION = "This link belongs to another student's work. Open it as them?"


@dataclass(frozen=True)
class Choice:
    """Who a new session is: `owner`, or None while the student must first answer whether to open the
    link's identity (`link`) or stay themselves (`own`)."""

    owner: str | None
    link: str | None = None
    own: str | None = None


def choose_owner(session: object, link: object, cookie: object) -> Choice:
    """The identity rule of the module docstring, over the tokens of this session, the address (`?u=`) and
    this browser's cookie (anything that is not a token counts as absent).

    Example: choose_owner(None, theirs, mine) == Choice(None, link=theirs, own=mine): ask first.
    """
    if is_owner_token(session):
        return Choice(session)
    if is_owner_token(cookie):
        if is_owner_token(link) and link != cookie:
            return Choice(None, link=link, own=cookie)
        return Choice(cookie)
    if is_owner_token(link):
        return Choice(link)
    return Choice(new_owner_token())


def session_owner() -> str:
    """This session's owner token by `choose_owner`; when the address's `?u=` is another student's, shows the
    question instead of the page and stops the script until it is answered."""
    choice = choose_owner(st.session_state.get(OWNER_KEY), st.query_params.get(OWNER_PARAM),
                          st.context.cookies.get(OWNER_COOKIE))
    if choice.owner is None:
        _ask(choice)
        st.stop()
    st.session_state[OWNER_KEY] = choice.owner
    return choice.owner


def _become(owner: str) -> None:
    st.session_state[OWNER_KEY] = owner


def _ask(choice: Choice) -> None:
    """The question for an address that carries another student's `?u=`."""
    with st.container(border=True, key="identity_question"):
        st.subheader("Whose work is this?")
        st.warning(LINK_QUESTION, icon=":material/person_alert:")
        st.caption("This browser is already a student. **Stay yourself** keeps your own stack and runs "
                   "(the link's stack, if it opens one, opens in yours). **Open it as them** makes this "
                   "browser that student: only do it if the link is your own address, and keep your own "
                   "bookmarked.")
        stay, switch = st.columns(2)
        stay.button("Stay yourself", key="identity_stay", type="primary", icon=":material/person:",
                    on_click=_become, args=(choice.own,))
        switch.button("Open it as them", key="identity_switch", icon=":material/swap_horiz:",
                      on_click=_become, args=(choice.link,))


def browser_id() -> str:
    """This browser's id: kept in the session, else read from its cookie, else a fresh one (written to the
    cookie by `remember_in_browser`)."""
    known = st.session_state.get(BROWSER_KEY)
    if not is_owner_token(known):
        cookie = st.context.cookies.get(BROWSER_COOKIE)
        known = cookie if is_owner_token(cookie) else new_owner_token()
        st.session_state[BROWSER_KEY] = known
    return known


def remember_in_browser(owner: str) -> None:
    """Write the student's token and the browser id to this browser's cookies where they are not there yet
    (once per session and value), in one line of script.

    Both are checked tokens (letters, digits, - and _ only), so they cannot break the script.
    """
    written = st.session_state.setdefault(WRITTEN_KEY, {})
    wanted = {OWNER_COOKIE: owner, BROWSER_COOKIE: browser_id()}
    missing = {name: value for name, value in wanted.items()
               if value not in (written.get(name), st.context.cookies.get(name))}
    if not missing:
        return
    script = "".join(f"document.cookie = '{name}={value}; path=/; max-age={COOKIE_MAX_AGE_S}; "
                     "SameSite=Strict';" for name, value in missing.items())
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)
    written.update(missing)


def someone_else_allowance() -> Allowance:
    """Whether this browser may start another new identity now (what the button's panel says)."""
    return running_lab().classroom.identities.allowance(browser_id())


def start_someone_else() -> tuple[bool, str]:
    """Make this browser a new, empty student if its limit allows: (True, what happened) with nothing of the
    previous student kept in this session, or (False, why not and when to try again) with nothing changed."""
    browser, owner = browser_id(), new_owner_token()
    allowance = running_lab().classroom.identities.start(browser, owner)
    if not allowance.ok:
        return False, allowance.refusal()
    st.session_state.clear()
    st.session_state[BROWSER_KEY] = browser
    st.session_state[OWNER_KEY] = owner
    return True, ("You are a new student on this computer: an empty stack and no runs yet. The previous "
                  "student's work is kept at their own address.")


def someone_else_text(allowance: Allowance) -> str:
    """The confirmation panel's text: what the button does, and the limit (or that it has been reached)."""
    if not allowance.ok:
        return allowance.refusal()
    left = f"{allowance.left} more" if allowance.left < PER_BROWSER else f"up to {PER_BROWSER}"
    return (f"Start as a new student with an empty stack and no runs? The student using this browser now "
            f"keeps their work at their own address. This browser can start {left} new students in the next "
            f"{duration(WINDOW_S)} (at most {PER_BROWSER} per {duration(WINDOW_S)}).")
