"""Our class's handwriting: the rules of the class's own test set of drawn digits, in plain Python.

Students add digits they drew on Predict, each with the digit it is meant to be; every digits run is then
scored on them as well as on MNIST's test images (`cnnlab.classroom.class_digits` keeps them). The caps say
how many drawings the set may hold:

- `MAX_DRAWINGS_PER_STUDENT` (40: four of each digit): the set is the class's handwriting, not one keen
  student's, and a student who clicks "Add" in a loop fills only their own share.
- `MAX_DRAWINGS` (2,000: a class of 50 at their cap): every digits run is scored on the whole set at the
  end of its training, in its worker, beside MNIST's 10,000 test images; 2,000 drawings add at most a fifth
  to that testing time and 1.5 MB to the job's message to its worker.
"""

from __future__ import annotations

from collections.abc import Mapping

from cnnlab.core.messages import show_value, whole_number

DIGITS = tuple(range(10))  # the labels a drawing may have
MAX_DRAWINGS_PER_STUDENT = 40
MAX_DRAWINGS = 2_000
MNIST_DATASET = "mnist"  # the dataset of a run whose settings name none: every run before datasets existed


def is_digits_run(config: Mapping[str, object]) -> bool:
    """True when a run (its stored training settings, `config_to_dict` form) learns MNIST's digits, so the
    class's drawings can test it; a run of another dataset (clothes) is never scored on them.

    >>> is_digits_run({"epochs": 1}), is_digits_run({"dataset": "mnist"})
    (True, True)
    >>> is_digits_run({"dataset": "fashion"})
    False
    """
    return config.get("dataset", MNIST_DATASET) == MNIST_DATASET


def parse_digit(value: object) -> tuple[int | None, str]:
    """The digit a drawing is labelled with: (0…9, "") or (None, a message quoting what was received).

    >>> parse_digit(3), parse_digit(3.0)
    ((3, ''), (3, ''))
    >>> parse_digit(11)[1]
    'a drawing is labelled with one digit from 0 to 9 (got 11)'
    >>> parse_digit("x")[0], parse_digit(True)[0], parse_digit(-1)[0]
    (None, None, None)
    """
    digit = whole_number(value)
    if digit is None or digit not in DIGITS:
        return None, f"a drawing is labelled with one digit from 0 to 9 (got {show_value(value)})"
    return digit, ""


def class_score_text(accuracy: float, drawings: int) -> str:
    """A run's score on the class's drawings as Results shows it, one decimal (a few dozen drawings do not
    carry two).

    >>> class_score_text(0.87, 54), class_score_text(1.0, 1)
    ('87.0 % (54 drawings)', '100.0 % (1 drawing)')
    """
    return f"{accuracy * 100:.1f} % ({drawings:,} drawing{'s' * (drawings != 1)})"
