"""Lesson: a guided path through one idea — guess a number before you see it, change the stack, train it."""

import streamlit as st

from cnnlab.ui import class_notices, lesson_view, session

owner = session.start_page("Lesson")
class_notices.render_class_notices(owner)
st.title("Lesson")
session.show_flashes()
following = lesson_view.render_lesson(owner)
lesson_view.render_lesson_list(owner, following)
