"""Score a finished run on our class's handwriting again, on demand: the model runs in the inference worker
(`insight.inference`), the figures are the trainer's own (`engine.evaluation`), and the score is kept with the
run (`ClassDigitScores`). Results calls this when the set has changed since the run was scored."""

from __future__ import annotations

from pathlib import Path

from cnnlab.classroom.class_digits import ClassDigits
from cnnlab.engine.class_set import ClassScore
from cnnlab.engine.evaluation import evaluate
from cnnlab.insight.digit import scale_pixels
from cnnlab.insight.inference import InferenceClient


def rescore(digits: ClassDigits, inference: InferenceClient, run_id: str, owner: str,
            model_path: Path) -> ClassScore | None:
    """Score the run's model (its file at `model_path`) on the set as it is now and keep the score; None when
    the set is empty. Raises `InferenceError` (a message for the student) when the model cannot answer."""
    class_set = digits.class_set()
    if class_set is None:
        return None
    probabilities = inference.predict(model_path, scale_pixels(class_set.images))
    score = ClassScore.from_figures(class_set.ids, evaluate(probabilities, class_set.labels))
    digits.record(run_id, owner, score)
    return score
