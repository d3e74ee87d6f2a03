"""Our class's handwriting on the student's pages: adding a drawing on Predict, and on Results a run's score
on the class's drawings (beside its test accuracy, re-scored on demand) with its own tab — confusion matrix
and the drawings it misread.

The drawings and scores are kept by `lab.class_digits` (`cnnlab.classroom.class_digits`); a re-score runs
the model in the inference worker (`classroom.class_digit_scoring`), never in the web server.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cnnlab.classroom.class_digit_scoring import rescore
from cnnlab.core.class_digits import DIGITS, MAX_DRAWINGS_PER_STUDENT, class_score_text, is_digits_run
from cnnlab.core.hyper import config_to_dict
from cnnlab.core.text import plain
from cnnlab.engine.class_set import ClassScore
from cnnlab.engine.jobs import JobSnapshot
from cnnlab.engine.store import ModelFormat
from cnnlab.insight.charts import confusion_figure
from cnnlab.insight.class_digit_charts import misread, misread_figure
from cnnlab.insight.inference import InferenceError
from cnnlab.insight.insight_charts import class_accuracy_figure
from cnnlab.lab import running_lab
from cnnlab.ui import session
from cnnlab.ui.teacher_session import holds_teacher_key

LABEL_KEY = "class_digit_label"
ADD_KEY = "class_digit_add"
OUTCOME_KEY = "class_digit_outcome"  # (added, message) of the last Add, shown under the button
SHOWN_MISREAD = 40
TEACHER_NAME = "the teacher"  # the author's name of a drawing added from the teacher's session
HOW_TO_ADD = ("On **Predict**, draw a digit, choose it under **This is a** and press **Add to our class's "
              "digits**: every digits run is then tested on the class's own handwriting too.")


# ------------------------------------------------------------------------------------------- Predict


def _add(owner: str, pixels: np.ndarray) -> None:
    label = st.session_state.get(LABEL_KEY)
    if label is None:
        st.session_state[OUTCOME_KEY] = (False, "Choose the digit you drew under **This is a** first.")
        return
    lab = running_lab()
    name = TEACHER_NAME if holds_teacher_key() else lab.classroom.roster.join(owner).name
    adding = lab.class_digits.add(owner, name, pixels, label)
    st.session_state[OUTCOME_KEY] = (adding.ok, plain(adding.message))
    if adding.ok:
        st.session_state[LABEL_KEY] = None  # the next drawing is labelled afresh


def render_add_drawing(owner: str, pixels: np.ndarray) -> None:
    """Under the canvas: **This is a** (0–9, no default: the student says what they drew, not the model) and
    **Add to our class's digits**, which adds the 28×28 image the model was given; the outcome below."""
    st.markdown("**Our class's digits** — add your drawing to the class's own test set:")
    choice, add = st.columns([1, 2], vertical_alignment="bottom")
    choice.selectbox("This is a", DIGITS, index=None, key=LABEL_KEY, placeholder="digit")
    add.button("Add to our class's digits", key=ADD_KEY, icon=":material/library_add:", on_click=_add,
               args=(owner, pixels))
    outcome = st.session_state.pop(OUTCOME_KEY, None)
    if outcome is not None:
        added, message = outcome
        (st.success if added else st.warning)(message)
    st.caption(f"It is kept exactly as the model sees it (28×28), with your name, for every digits run to be "
               f"tested on — up to {MAX_DRAWINGS_PER_STUDENT} drawings each.")


# ------------------------------------------------------------------------------------------- Results


def _class_run(snapshot: JobSnapshot) -> bool:
    """True for a tested digits run: one the class's drawings can score."""
    return snapshot.test_accuracy is not None and is_digits_run(config_to_dict(snapshot.config))


def _rescore(owner: str, snapshot: JobSnapshot) -> ClassScore | None:
    """Score the run on the set as it is now, in the inference worker; a failure is shown, never raised."""
    lab = running_lab()
    path = lab.jobs.model_file(snapshot.job_id, owner, ModelFormat.H5)
    if path is None:
        st.error("This run's model file is missing from the server, so it cannot be scored.")
        return None
    try:
        with st.spinner("Scoring the model on our class's handwriting…"):
            return rescore(lab.class_digits, lab.inference, snapshot.job_id, owner, path)
    except InferenceError as error:
        st.error(plain(str(error)))
        return None


def render_class_score(owner: str, snapshot: JobSnapshot, column: DeltaGenerator) -> None:
    """Under the test accuracy, for a tested digits run: "on our class's handwriting: 87.0 % (54 drawings)",
    with a button to score it (again) when it has no score or the set has changed since; how to add drawings
    while the set is empty."""
    if not _class_run(snapshot):
        return
    digits = running_lab().class_digits
    current = digits.ids()
    score = digits.scores.get(snapshot.job_id, owner)
    line = column.empty()
    if current and (score is None or score.changed_since(current)):
        running_lab().inference.start()  # TensorFlow loads in the worker while the student reads
        label = "Score again" if score is not None else "Score it"
        if column.button(f"{label} on our class's handwriting", key=f"class_rescore_{snapshot.job_id}",
                         icon=":material/refresh:", help=f"The set holds {len(current):,} drawings now."):
            score = _rescore(owner, snapshot) or score
    if score is not None:
        changed = f" · the set has {len(current):,} now" if score.changed_since(current) else ""
        shown = class_score_text(score.accuracy, score.drawings)
        line.caption(f"on our class's handwriting: {shown}{changed}")
    elif current:
        line.caption("on our class's handwriting: not scored yet (it ended before the class's drawings, or "
                     "was stopped)")
    else:
        line.caption("on our class's handwriting: no drawings yet")


def render_class_section(owner: str, snapshot: JobSnapshot) -> None:
    """The tab "Our class's handwriting": the run's confusion matrix and per-digit accuracy on the class's
    drawings and the drawings it misread; how to add drawings while there are none."""
    if snapshot.test_accuracy is None:
        st.info("The score on our class's handwriting appears once the run has been tested.")
        return
    if not is_digits_run(config_to_dict(snapshot.config)):
        st.info("This run learned another dataset, so our class's handwritten digits cannot test it.")
        return
    digits = running_lab().class_digits
    score = digits.scores.get(snapshot.job_id, owner)
    if score is None:
        if not digits.ids():
            st.info(f"Nobody has added a drawing to our class's digits yet. {HOW_TO_ADD}")
            session.link(session.Page.PREDICT, "Draw a digit on Predict", ":material/draw:", owner)
        else:
            st.info("This run has no score on our class's handwriting yet: press **Score it on our class's "
                    "handwriting** under its test accuracy.")
        return
    when = dt.datetime.fromtimestamp(score.scored_at).strftime("%Y-%m-%d %H:%M")
    st.caption(f"Scored {when} on the class's drawings as they were then: "
               f"{class_score_text(score.accuracy, score.drawings)} read correctly. Rows: the digit drawn; "
               "columns: what the model read.")
    matrix_column, accuracy_column = st.columns([3, 2])
    for column, figure, kind in ((matrix_column, confusion_figure(score.confusion), "confusion"),
                                 (accuracy_column, class_accuracy_figure(score.confusion), "accuracy")):
        column.plotly_chart(figure, key=f"class_{kind}_{snapshot.job_id}", config={"displayModeBar": False})
    kept = {drawing.drawing_id: drawing for drawing in digits.drawings(score.drawing_ids)}
    scored = [(kept[i], read, sure) for i, read, sure in zip(score.drawing_ids, score.predicted,
                                                             score.confidence, strict=True) if i in kept]
    wrong = misread([d.pixels for d, _, _ in scored], [d.label for d, _, _ in scored],
                    [read for _, read, _ in scored], [sure for _, _, sure in scored])
    if not wrong:
        st.success("Not a single drawing of the class was misread.")
    else:
        st.plotly_chart(misread_figure(wrong, SHOWN_MISREAD), key=f"class_misread_{snapshot.job_id}",
                        config={"displayModeBar": False})
    if len(kept) < score.drawings:
        st.caption(f"{score.drawings - len(kept):,} of the drawings scored have been deleted since.")
