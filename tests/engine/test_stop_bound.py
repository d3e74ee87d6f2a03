"""Stop within 5 s for any accepted job: Stop is honoured between batches, so a job whose single batch would
take more than a couple of seconds is refused, with the estimate and the batch size that fits."""

from __future__ import annotations

import pytest

from cnnlab.core.hyper import TrainConfig
from cnnlab.engine.jobs import JobManager, JobRefused
from cnnlab.engine.owners import new_owner_token

WIDE_PADDING = {  # the stack: a 156 × 156 image through 4 filters, almost no weights
    "input_shape": [28, 28, 1],
    "layers": [{"type": "ZeroPadding2D", "padding": 64},
               {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
               {"type": "GlobalAveragePooling2D"},
               {"type": "Dense", "units": 10, "activation": "softmax"}],
}


TOO_LONG = (r"one batch of 1,024 images of this stack would take about \d+(\.\d)? s on this server; Stop "
            r"can only end a job between batches, so a batch may take at most 1.5 s — use a batch size of "
            r"(\d+) or less")


def test_a_batch_too_long_for_a_quick_stop_is_refused_with_one_that_fits(manager: JobManager) -> None:
    config = TrainConfig(epochs=1, batch_size=1024, train_size=2048, validation_split=0.0)
    with pytest.raises(JobRefused, match=TOO_LONG) as refused:
        manager.submit(new_owner_token(), WIDE_PADDING, config)
    fits = int(str(refused.value).rsplit("batch size of ", 1)[1].split()[0])
    assert 8 <= fits < 1024
    manager.submit(new_owner_token(), WIDE_PADDING, TrainConfig(epochs=1, batch_size=fits, train_size=2048))
