"""Why the model said 7: the saliency map of a convnet trained by the product points at the pixels its answer
rests on — masking the 10 % most salient pixels of 20 test images lowers the probability of the predicted
digit more, on average, than masking 10 % of the pixels at random (a test that fails for a map that points
anywhere else)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab.engine.data import load_mnist
from cnnlab.engine.store import ModelFormat
from cnnlab.insight.trace import ModelProbe, SaliencyMethod, analysis_of

pytestmark = pytest.mark.keras
IMAGES = 20
MASKED = round(0.10 * 28 * 28)  # 78 pixels
RANDOM_MASKS = 5  # random masks per image, averaged


def test_masking_the_most_salient_pixels_costs_the_answer_more_than_random_pixels(trained, tmp_path) -> None:
    import keras

    path = tmp_path / "convnet.h5"
    path.write_bytes(trained["convnet"].files[ModelFormat.H5])
    model = keras.models.load_model(path, compile=False)
    probe = ModelProbe(model, analysis_of(model))
    images = load_mnist().x_test[:IMAGES].astype(np.float32) / 255
    rng = np.random.default_rng(0)

    def probability(batch: np.ndarray, digits: np.ndarray) -> np.ndarray:
        return model.predict(batch.reshape(-1, 28, 28, 1), verbose=0)[np.arange(len(batch)), digits]

    answers = model.predict(images[:, :, :, None], verbose=0).argmax(axis=1)
    before = probability(images, answers)
    salient, random = images.reshape(IMAGES, -1).copy(), []
    for index, (image, answer) in enumerate(zip(images, answers, strict=True)):
        saliency = np.abs(probe.saliency(image, int(answer), SaliencyMethod.GRADIENT)).reshape(-1)
        salient[index, np.argsort(saliency)[-MASKED:]] = 0.0
        for _ in range(RANDOM_MASKS):
            masked = image.reshape(-1).copy()
            masked[rng.choice(masked.size, MASKED, replace=False)] = 0.0
            random.append(masked)
    salient_drop = before - probability(salient, answers)
    random_drop = before - probability(np.asarray(random), np.repeat(answers, RANDOM_MASKS)).reshape(
        IMAGES, RANDOM_MASKS).mean(axis=1)
    assert salient_drop.mean() > random_drop.mean(), (salient_drop.mean(), random_drop.mean())


def test_the_map_changes_with_the_digit_asked_about(trained, tmp_path) -> None:
    import keras

    path = tmp_path / "convnet.h5"
    path.write_bytes(trained["convnet"].files[ModelFormat.H5])
    model = keras.models.load_model(path, compile=False)
    probe = ModelProbe(model, analysis_of(model))
    seven = load_mnist().x_test[0].astype(np.float32) / 255
    why_seven = probe.saliency(seven, 7, SaliencyMethod.GRADIENT)
    why_one = probe.saliency(seven, 1, SaliencyMethod.GRADIENT)
    assert why_seven.shape == why_one.shape == (28, 28)
    assert np.corrcoef(why_seven.ravel(), why_one.ravel())[0, 1] < 0.9
    cam = probe.saliency(seven, 7, SaliencyMethod.LAYER_CAM)
    assert cam.max() == pytest.approx(1.0) and cam.min() >= 0.0
