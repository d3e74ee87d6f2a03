"""What every student page shows of the class: their name (set on Home, changeable in the sidebar), the
active challenge's banner, and a stack the teacher shared, which replaces theirs only when they click.
"""

from __future__ import annotations

import streamlit as st

from cnnlab.classroom.classroom import Classroom
from cnnlab.classroom.roster import Student
from cnnlab.classroom.shares import Share
from cnnlab.core.text import plain
from cnnlab.lab import running_lab
from cnnlab.ui import session
from cnnlab.ui.challenge_view import render_banner
from cnnlab.ui.editor import replace_stack
from cnnlab.ui.lesson_view import enter_class_lesson
from cnnlab.ui.teacher_session import holds_teacher_key

NAME_LABEL = "Your name"
HOME_NAME_KEY, SIDEBAR_NAME_KEY = "home_name", "sidebar_name"
NAME_MESSAGE = "{key}_message"  # (ok, message) of the last change made in that input, shown under it


def _set_name(owner: str, key: str) -> None:
    naming = running_lab().classroom.roster.set_name(owner, st.session_state.get(key, ""))
    st.session_state[NAME_MESSAGE.format(key=key)] = (naming.ok, naming.message)
    for input_key in (HOME_NAME_KEY, SIDEBAR_NAME_KEY):  # both inputs then show the name in force
        st.session_state.pop(input_key, None)


def render_name_input(owner: str, key: str, label: str = NAME_LABEL) -> None:
    """A text input that sets the student's name (1–24 characters, unique in the class), with the outcome
    below it; the name is stored at once and shown literally everywhere. Not for the teacher's session."""
    if holds_teacher_key():
        return
    student = running_lab().classroom.roster.join(owner)
    if key not in st.session_state:
        st.session_state[key] = student.chosen_name or ""
    st.text_input(
        label,
        key=key,
        placeholder=student.name,
        on_change=_set_name,
        args=(owner, key),
        help="Optional: 1–24 characters, shown to the class and on the "
        "leaderboard instead of your number. Never shows your address.",
    )
    outcome = st.session_state.pop(NAME_MESSAGE.format(key=key), None)
    if outcome is not None:
        ok, message = outcome
        (st.success if ok else st.error)(plain(message))


def _dismiss(owner: str, share: Share) -> None:
    running_lab().classroom.roster.mark_share_seen(owner, share.share_id)


def render_share_notice(classroom: Classroom, owner: str, student: Student) -> None:
    """ "Your teacher shared *Small convnet*: open it" with Open (your stack stays one click away on Build,
    "Bring back my previous stack") and Dismiss."""
    share = classroom.shares.pending(student.seen_share)
    if share is None:
        return
    with st.container(border=True, key="class_share_notice"):
        st.markdown(f"Your teacher shared *{plain(share.title)}*: open it")
        open_column, dismiss_column = st.columns(2)
        if open_column.button(
            "Open it", key="class_share_open", icon=":material/open_in_new:", type="primary"
        ):
            classroom.roster.mark_share_seen(owner, share.share_id)
            replace_stack(
                owner,
                share.stack,
                plain(
                    f"Opened {share.title}, shared by your teacher. Your own "
                    "stack is one click away: Bring back my previous stack."
                ),
            )
            session.go_to(session.Page.BUILD, owner)
        dismiss_column.button("Dismiss", key="class_share_dismiss", on_click=_dismiss, args=(owner, share))


def render_class_notices(owner: str) -> None:
    """The class's part of a student page: sidebar name, challenge banner, shared-stack notice, and joining
    the class's lesson (its start stack opened once). The teacher (a session holding the key) sees the
    banner only and is not counted as a student."""
    classroom = running_lab().classroom
    if holds_teacher_key():
        st.sidebar.caption("You are the teacher.")
        render_banner(classroom.challenges.latest())
        return
    student = classroom.roster.join(owner)
    enter_class_lesson(owner)
    with st.sidebar:
        st.caption(f"You are **{plain(student.name)}**")
        with st.popover("Change your name", icon=":material/badge:"):
            render_name_input(owner, key=SIDEBAR_NAME_KEY, label="New name")
    render_banner(classroom.challenges.latest())
    render_share_notice(classroom, owner, student)
