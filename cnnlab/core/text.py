"""Showing text a student typed (or a file carried) without it ever becoming markup.

Streamlit renders Markdown in st.markdown, st.error, st.table cells and labels; `plain` escapes every
Markdown character so a stack named `![x](http://…)` or `<b>` shows exactly as typed and loads nothing.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$:=])")


def plain(text: object) -> str:
    """`text` with every Markdown special character backslash-escaped, so it renders literally.

    >>> print(plain("[a](b)"))
    \\[a\\]\\(b\\)
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))
