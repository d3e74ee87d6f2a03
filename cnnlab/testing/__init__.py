"""Code shared by tests and benchmarks: app server, Streamlit client, page and engine helpers."""
