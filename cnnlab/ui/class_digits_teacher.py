"""Our class's handwriting on the teacher's dashboard: the drawings as a grid per digit, with their authors;
deleting chosen drawings, or every drawing of one student (and, if need be, taking no more from them)."""

from __future__ import annotations

import streamlit as st

from cnnlab.classroom.class_digits import ClassDigits, Drawing
from cnnlab.core.class_digits import DIGITS, MAX_DRAWINGS, MAX_DRAWINGS_PER_STUDENT
from cnnlab.core.text import plain
from cnnlab.insight.class_digit_charts import drawings_figure
from cnnlab.lab import running_lab
from cnnlab.ui.session import Level, flash

DELETE_KEY = "teacher_class_delete_{digit}"
STUDENT_KEY = "teacher_class_student"
REFUSE_KEY = "teacher_class_refuse"


def _drawings_text(count: int) -> str:
    return f"{count:,} drawing{'s' * (count != 1)}"


def _authors(drawings: list[Drawing]) -> dict[str, str]:
    """Owner → the name to show: the class list's name now, else the name kept with the drawing."""
    names = running_lab().classroom.roster.names()
    return {drawing.owner: names.get(drawing.owner, drawing.name) for drawing in drawings}


def _delete_chosen(digit: int) -> None:
    digits = running_lab().class_digits
    chosen = st.session_state.get(DELETE_KEY.format(digit=digit)) or []
    deleted = sum(digits.delete(drawing_id) for drawing_id in chosen)
    st.session_state[DELETE_KEY.format(digit=digit)] = []
    flash(Level.success, f"Deleted {_drawings_text(deleted)} of a {digit} from our class's digits.")


def _delete_student(names: dict[str, str]) -> None:
    owner = st.session_state.get(STUDENT_KEY)
    if owner not in names:
        return
    refuse = bool(st.session_state.get(REFUSE_KEY))
    deleted = running_lab().class_digits.delete_student(owner, refuse_more=refuse)
    more = " and will take no more from them" if refuse else ""
    flash(Level.success, plain(f"Deleted {names[owner]}'s {_drawings_text(deleted)}{more}."))


def _accept_again(owner: str, name: str) -> None:
    running_lab().class_digits.accept_again(owner)
    flash(Level.success, plain(f"{name} can add drawings to our class's digits again."))


def _digit_grid(digit: int, drawings: list[Drawing], authors: dict[str, str]) -> None:
    """One digit's drawings, oldest first, each captioned "#id name", and the deletion of chosen ones."""
    st.plotly_chart(
        drawings_figure([d.pixels for d in drawings],
                        [f"#{d.drawing_id} {authors[d.owner]}" for d in drawings],
                        f"Drawn as a {digit}: {_drawings_text(len(drawings))}"),
        key=f"teacher_class_grid_{digit}", config={"displayModeBar": False},
    )
    labels = {d.drawing_id: f"#{d.drawing_id} by {authors[d.owner]}" for d in drawings}
    st.multiselect("Drawings to delete", list(labels), key=DELETE_KEY.format(digit=digit),
                   format_func=labels.__getitem__, placeholder="pick by number")
    st.button("Delete the chosen drawings", key=f"teacher_class_delete_button_{digit}",
              on_click=_delete_chosen, args=(digit,), icon=":material/delete:")


def _by_student(digits: ClassDigits, drawings: list[Drawing], authors: dict[str, str]) -> None:
    """Every drawing of one student, deleted at once; students whose drawings are refused, taken back."""
    counts: dict[str, int] = {}
    for drawing in drawings:
        counts[drawing.owner] = counts.get(drawing.owner, 0) + 1
    if counts:
        st.selectbox("Every drawing of", list(counts), key=STUDENT_KEY,
                     format_func=lambda owner: f"{authors[owner]} ({_drawings_text(counts[owner])})")
        st.checkbox("and take no more drawings from them", key=REFUSE_KEY)
        st.button("Delete this student's drawings", key="teacher_class_delete_student",
                  on_click=_delete_student, args=({owner: authors[owner] for owner in counts},),
                  icon=":material/person_remove:")
    names = running_lab().classroom.roster.names()
    for owner in sorted(digits.refused(), key=lambda owner: names.get(owner, "")):
        name = names.get(owner, "a student who left")
        text, action = st.columns([3, 1], vertical_alignment="center")
        text.write(plain(f"Not taking drawings from {name}."))
        action.button("Take them again", key=f"teacher_class_accept_{owner}", on_click=_accept_again,
                      args=(owner, name))


def render_class_digits() -> None:
    """The class's drawings: how many of each digit, a tab per digit with its grid, and the deletions."""
    digits = running_lab().class_digits
    drawings = digits.drawings()
    counts = digits.counts()
    st.caption(f"{_drawings_text(counts.total)} in all (at most {MAX_DRAWINGS_PER_STUDENT} a student, "
               f"{MAX_DRAWINGS:,} in all). Students add them on Predict; every digits run is scored on them "
               "too.")
    authors = _authors(drawings)
    if drawings:
        tabs = st.tabs([f"{digit}: {count}" for digit, count in zip(DIGITS, counts.per_digit, strict=True)])
        for digit, tab in zip(DIGITS, tabs, strict=True):
            with tab:
                own = [drawing for drawing in drawings if drawing.label == digit]
                if own:
                    _digit_grid(digit, own, authors)
                else:
                    st.caption(f"No drawing of a {digit} yet.")
    _by_student(digits, drawings, authors)
