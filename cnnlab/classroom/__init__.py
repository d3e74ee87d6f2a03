"""Classroom mode: the teacher's key and dashboard data, students' names, challenges' leaderboards, shared
stacks and exports. A layer above `insight` and below `ui` / `cli`; no Streamlit here."""
