"""Teacher: the class at a glance, the queue, challenges, shared stacks, exports, our class's digits (needs
the teacher key)."""

import streamlit as st

from cnnlab.lab import running_lab
from cnnlab.ui import (
    class_admin_view,
    class_digits_teacher,
    join,
    lesson_class,
    server_view,
    session,
    teacher_session,
    teacher_view,
)
from cnnlab.ui.teacher_session import sign_in_from_url

signed_in = sign_in_from_url()
owner = session.start_page("Teacher")
teacher_session.sync_cookie()
st.title("Teacher")
if not signed_in:
    st.info(
        "This page is the teacher's dashboard and needs the teacher's link. On the server, run "
        "`python -m cnnlab teacher-link` (or look for the `Teacher:` line printed when the server "
        "started) and open that address.",
        icon=":material/lock:",
    )
    st.stop()

teacher_view.class_glance()
join.render_join()
server_view.render_server()
lab = running_lab()
runs = lab.store.all_runs(teacher_view.ALL_RUNS)
names = lab.classroom.roster.names()

challenge_column, class_column = st.columns(2, border=True)
with challenge_column:
    st.subheader("Challenge")
    teacher_view.render_challenge()
with class_column:
    st.subheader("Share a stack with the class")
    teacher_view.render_share(owner)
    st.subheader("Rename a student")
    teacher_view.redrawn(teacher_view.render_rename, "teacher_rename_section")

with st.container(border=True, key="teacher_lesson_section"):
    st.subheader("Lesson")
    lesson_class.render_class_lesson()

board_column, export_column = st.columns(2, border=True)
with board_column:
    st.subheader("Leaderboard runs")
    teacher_view.redrawn(teacher_view.render_current_hiding, "teacher_hiding_section")
with export_column:
    st.subheader("Export")
    teacher_view.render_exports(runs, names)

with st.container(border=True, key="teacher_class_digits"):
    st.subheader("Our class's digits")
    class_digits_teacher.render_class_digits()

students_column, classes_column = st.columns(2, border=True)
with students_column:
    st.subheader("Remove students")
    teacher_view.redrawn(class_admin_view.render_remove_students, "teacher_remove_section")
with classes_column:
    st.subheader("Classes")
    class_admin_view.render_new_class()
    class_admin_view.render_past_classes()
    teacher_session.render_sign_out()
