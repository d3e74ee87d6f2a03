"""Shared Streamlit page helpers: identity, navigation, the stack editor and job views.

The only package in cnnlab that imports streamlit; the pages in app.py and pages/ stay short scripts over it.
"""
