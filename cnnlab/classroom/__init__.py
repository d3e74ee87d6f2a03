"""Classroom mode: students' names, challenges, shared stacks and hidden runs (one SQLite file, see
`classroom.py`), the teacher's key, the dashboard's data, leaderboards and exports. A layer above `insight`
and below the composition root (`cnnlab.lab`); the engine never imports it. No Streamlit here."""
