"""The web server: CNN Lab's pages (`app.py` and `pages/`) and the teacher's streamed downloads.

`make run` starts it (`streamlit run serve.py`); Streamlit sees the `st.App` below and serves the pages as
`streamlit run app.py` would, with the routes of `cnnlab.ui.downloads` beside them.
"""

import streamlit as st

from cnnlab.ui.downloads import ROUTES

app = st.App("app.py", routes=ROUTES)
