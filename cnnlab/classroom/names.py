"""When two students' names are the same name: the key names are compared by, and the names kept for others.

Two names clash when they *look* the same, not only when they are spelled the same: "Аda" (a Cyrillic А) and
"Ada", "ADA" and "ada", "Student lO" and "Student 10". The key is the Unicode confusable skeleton of UTS #39
(each character replaced by the prototype it can be mistaken for, with the confusables data of the maintained
`confusable_homoglyphs` package, Unicode's confusables.txt), taken before and after case folding.

A name must also show something: at least one letter or digit that is not a default-ignorable (blank-looking)
code point, which turns away "ㅤ" (U+3164 HANGUL FILLER) and "⠀⠀" (U+2800 BRAILLE PATTERN BLANK); and names
of the form "Student N" belong to the students who have not chosen one.
"""

from __future__ import annotations

import functools
import unicodedata

import regex
from confusable_homoglyphs import confusables

from cnnlab.core.names import MAX_NAME_CHARS, clean_name, default_name

_BIDI_MARKS = str.maketrans("", "", "\u200e\u200f")  # the data file wraps right-to-left letters in these
_VISIBLE = regex.compile(r"[\p{L}\p{N}--\p{Default_Ignorable_Code_Point}]", regex.VERSION1)
_DEFAULT_WORD = default_name(0).rsplit(" ", 1)[0]  # "Student"


@functools.cache
def _prototypes() -> dict[str, str]:
    """Character → the string it is confusable with, per confusables.txt (loaded once).

    The package keeps each line of confusables.txt in both directions (source → prototype and back). A
    source is a single character confusable with exactly one prototype, and a prototype is never a source,
    so each group of confusables is a star: the prototype is the member with more than one neighbour, or
    the longer one of a pair; in a pair of single characters either serves (they map to the same one).
    Prototypes made of several characters are then mapped character by character until nothing changes.
    """
    graph = {key.translate(_BIDI_MARKS): [entry["c"].translate(_BIDI_MARKS) for entry in entries]
             for key, entries in confusables.confusables_data.items()}
    mapping: dict[str, str] = {}
    for source, neighbours in graph.items():
        if len(source) != 1 or len(neighbours) != 1:
            continue  # a prototype: the centre of its star
        prototype = neighbours[0]
        if len(graph.get(prototype, ())) == 1 and len(prototype) == 1:
            prototype = min(source, prototype)  # a pair of single characters: one representative for both
        if prototype != source:
            mapping[source] = prototype
    for _ in range(4):  # a multi-character prototype's own characters may map further
        changed = {source: "".join(mapping.get(char, char) for char in target)
                   for source, target in mapping.items()}
        if changed == mapping:
            break
        mapping = changed
    return mapping


def skeleton(text: str) -> str:
    """The UTS #39 skeleton: NFD, each character replaced by its confusable prototype, NFD again.

    Example: skeleton("Аda") == skeleton("Ada") (the first is a Cyrillic А).
    """
    mapping = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(mapping.get(char, char) for char in decomposed))


def name_key(name: str) -> str:
    """The form names are compared in: names that look the same in any case have the same key (compatibility
    forms such as fullwidth "Ａｄａ" are folded first, NFKC).

    Example: name_key("Tеacher") == name_key("TEACHER") (the first has a Cyrillic е).
    """
    folded = skeleton(skeleton(unicodedata.normalize("NFKC", name)).casefold())
    return " ".join(folded.split())


@functools.cache
def _default_pattern() -> regex.Pattern:
    """The keys of "Student 1", "Student 2", …: the key of "Student", an optional space, digits' keys."""
    keys = {regex.escape(name_key(digit)) for digit in "0123456789"}
    digits = "|".join(sorted(keys, key=len, reverse=True))
    return regex.compile(rf"{regex.escape(name_key(_DEFAULT_WORD))} ?(?:{digits})+")


def is_reserved(name: str) -> bool:
    """True for a name that looks like the default name of some student: "Student 44", "student44",
    "Ѕtudent 4O". Example: is_reserved("Student 3") is True, is_reserved("Students") is False."""
    return _default_pattern().fullmatch(name_key(name)) is not None


def has_visible_character(name: str) -> bool:
    """True when `name` has a letter or digit that shows: "ㅤ" (U+3164) and "⠀" (U+2800) do not."""
    return _VISIBLE.search(name) is not None


def check_name(raw: object) -> tuple[str | None, str | None]:
    """`raw` trimmed and checked as a student's name: (name, None), or (None, why not and what to do).

    On top of `cnnlab.core.names.clean_name` (length, control characters): a visible letter or digit, and
    not a name of the form "Student N".
    """
    name, problem = clean_name(raw)
    if name is None:
        return None, problem
    if not has_visible_character(name):
        return None, ("Your name has no visible letter or digit, so the class could not tell it apart "
                      "(symbols, emoji and blank-looking characters such as ㅤ are not enough); add at "
                      "least one letter or digit")
    if is_reserved(name):
        return None, (f"Names like {default_name(44)} are kept for students who have not chosen a name; "
                      "choose a name of your own, such as your first name")
    return name, None


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name` with the smallest suffix " 2", " 3", … whose key no other student has (`taken` holds
    `name_key`s), cut so that the result still fits 24 characters.

    Example: unique_name("Аda", {"ada"}) == "Аda 2".
    """
    if name_key(name) not in taken:
        return name
    number = 2
    while True:
        suffix = f" {number}"
        candidate = name[: MAX_NAME_CHARS - len(suffix)].rstrip() + suffix
        if name_key(candidate) not in taken:
            return candidate
        number += 1
