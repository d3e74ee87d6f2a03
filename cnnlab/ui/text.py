"""Showing text a student typed (or a file carried) without it ever becoming markup or a path.

Streamlit renders Markdown in st.markdown, st.error, st.table cells and labels; `plain` escapes every
Markdown character so a stack named `![x](http://…)` or `<b>` shows exactly as typed and loads nothing.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$:=])")
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


def plain(text: object) -> str:
    """`text` with every Markdown special character backslash-escaped, so it renders literally.

    Example: plain("[a](b)") == "\\[a\\]\\(b\\)".
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def file_stem(name: str, fallback: str) -> str:
    """A safe file-name stem from user text: letters, digits, '.', '_' and '-' only, at most 60 characters.

    Example: file_stem("My net #2", "stack") == "My_net_2"; file_stem("../..", "stack") == "stack".
    """
    cleaned = _UNSAFE_FILE_CHARS.sub("_", name).strip("._-")[:60]
    return cleaned or fallback
