"""Compare: several of your runs side by side — curves, size, accuracy. What did doubling the filters buy?"""

import streamlit as st

from cnnlab.ui import class_notices, insight, session

owner = session.start_page("Compare")
class_notices.render_class_notices(owner)
runs, labels = insight.trained_runs(owner)

st.title("Compare")
st.caption("Pick some of your finished runs: their loss and accuracy curves are overlaid, and the table and "
           "the chart show what each architecture cost and what it reached.")
insight.render_teacher_stopped_note(owner)
if not runs:
    insight.render_no_runs(owner)
    st.stop()

chosen = insight.pick_compared(runs, labels)
if not chosen:
    st.info("Pick at least one run above.")
    st.stop()
insight.render_comparison(owner, chosen, labels)
