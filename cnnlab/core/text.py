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


def duration(seconds: float) -> str:
    """Seconds for people: 5 → "5 s", 80 → "1 min 20 s", 600 → "10 min", 3725 → "1 h 2 min", 122400 → "34 h".

    Whole minutes and hours drop the zero part, so a limit reads "10 min", not "10 min 0 s".
    """
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = whole // 3600, whole % 3600 // 60
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
