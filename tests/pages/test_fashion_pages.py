"""A Fashion-MNIST run on every page that shows a run (AppTest): Results (dataset, class names in the
confusion matrix, per-class accuracy and misclassified images, the diagnosis, downloads), Predict (a garment
photo or a random Fashion-MNIST test image; hostile uploads get a message) and Compare (runs of different
datasets are never drawn on one accuracy axis without saying so)."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from cnnlab.core.datasets import Dataset
from cnnlab.engine.data import load_dataset
from cnnlab.insight.garment import photo_to_fashion
from cnnlab.testing.apptest import RESULTS, messages, open_page, page_links, plotly_specs, shown
from cnnlab.testing.models import register_run
from cnnlab.ui.insight import PHOTO_KEY

pytestmark = pytest.mark.keras
PREDICT = "pages/4_Predict.py"
COMPARE = "pages/5_Compare.py"
CLOTHES = list(Dataset.FASHION.class_names)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _trouser_photo() -> bytes:
    """Two dark legs on a white sheet: a tall garment, as a phone would photograph it."""
    pixels = np.full((600, 450, 3), 250, np.uint8)
    pixels[60:560, 120:215] = 35
    pixels[60:560, 235:330] = 35
    pixels[60:140, 120:330] = 35
    return _png(Image.fromarray(pixels))


def _reads(at) -> str:
    return next(m.value for m in at.metric if m.label == "The model reads")


def _warm(lab, store, owner: str, run_id: str) -> None:
    """Wait for the inference worker to load TensorFlow and the model, so that no page run waits for it
    (on a busy machine that alone can outlast a page run's timeout)."""
    lab.inference.predict(store.model_file(run_id, owner), np.zeros((1, 28, 28), np.float32), timeout=300)


def test_results_shows_the_run_in_its_datasets_terms(manager, store, owner, trained_fashion) -> None:
    run_id = register_run(store, owner, trained_fashion)
    at = open_page(RESULTS, u=owner)
    assert not at.exception and not at.error
    assert [shown(cell) for cell in at.table[0].value["Dataset"]] == ["Fashion-MNIST"]
    accuracy = next(m for m in at.metric if m.label == "Test accuracy")
    assert "Fashion-MNIST's 10,000 test images" in accuracy.help
    confusion, per_class, cell = _charts(at)
    assert confusion["data"][0]["x"] == CLOTHES and confusion["data"][0]["y"] == CLOTHES
    assert confusion["layout"]["xaxis"]["title"]["text"] == "predicted garment"
    assert per_class["data"][0]["x"] == CLOTHES
    assert per_class["layout"]["title"]["text"].startswith("Accuracy per garment")
    true, predicted = (CLOTHES.index(name) for name in re.match(r"(.+) read as (.+): ",
                                                                 cell["layout"]["title"]["text"]).groups())
    assert (true, predicted) == _most_confused(trained_fashion.result.confusion)
    assert any(caption.value.startswith("Rows: the true garment") for caption in at.caption)
    downloads = [button.proto.label for button in at.get("download_button")]
    accuracy_name = f"{trained_fashion.record.test_accuracy * 100:.2f}"
    assert f"Download small_convnet-fashion-{accuracy_name}.h5" in downloads
    assert any(label == "Try this model on your own photo of a garment" and f"run={run_id}" in query
               for label, _, query in page_links(at))


def _charts(at) -> tuple[dict, dict, dict]:
    """The confusion matrix, the per-class accuracy and the first cell's images among Results' figures."""
    specs = plotly_specs(at)
    confusion = next(spec for spec in specs if spec["data"][0]["type"] == "heatmap"
                     and spec["data"][0].get("colorscale") and len(spec["data"]) == 2)
    per_class = next(spec for spec in specs if spec["data"][0]["type"] == "bar")
    cell = next(spec for spec in specs if " read as " in spec["layout"].get("title", {}).get("text", ""))
    return confusion, per_class, cell


def _most_confused(confusion) -> tuple[int, int]:
    cells = np.asarray(confusion)
    np.fill_diagonal(cells, -1)
    true, predicted = np.unravel_index(int(cells.argmax()), cells.shape)
    return int(true), int(predicted)


def test_predict_offers_a_photo_and_fashion_test_images_not_the_canvas(lab, store, owner,
                                                                      trained_fashion) -> None:
    _warm(lab, store, owner, register_run(store, owner, trained_fashion))
    at = open_page(PREDICT, u=owner)
    assert not at.exception
    assert [uploader.label for uploader in at.file_uploader] == ["Photo of a garment"]
    assert "Upload a photo of a garment, or pick a random test image." in messages(at, "info")
    assert not any(component.type == "component_instance" for component in at.get("component_instance"))

    at.button(key="predict_random").click().run()
    assert not at.exception and not at.error
    caption = next(text for text in (shown(c.value) for c in at.caption) if text.startswith("Test image #"))
    index = int(re.match(r"Test image #([\d,]+),", caption).group(1).replace(",", ""))
    label = int(load_dataset(Dataset.FASHION).y_test[index])
    assert caption.startswith(f"Test image #{index:,}, labelled {CLOTHES[label]}.")
    predicted = int(trained_fashion.result.predicted[index])
    verdict = " — right" if predicted == label else f" — wrong, it is a {CLOTHES[label]}"
    assert _reads(at) == f"{CLOTHES[predicted]}{verdict}"
    probabilities = next(spec for spec in plotly_specs(at) if spec["layout"]["title"]["text"].startswith(
        "Probability of each garment"))
    assert probabilities["data"][0]["x"] == CLOTHES


def test_an_uploaded_garment_photo_is_read_as_the_model_reads_its_28x28_image(lab, store, owner,
                                                                             trained_fashion) -> None:
    run_id = register_run(store, owner, trained_fashion)
    _warm(lab, store, owner, run_id)
    at = open_page(PREDICT, u=owner)
    at.file_uploader(key=PHOTO_KEY).set_value(("trousers.png", _trouser_photo(), "image/png")).run()
    assert not at.exception and not at.error
    import keras

    model = keras.models.load_model(store.model_file(run_id, owner), compile=False)
    pixels = photo_to_fashion(_trouser_photo()).pixels
    expected = model.predict(pixels[None, :, :, None], verbose=0)[0]
    answer = CLOTHES[int(expected.argmax())]
    assert _reads(at) == answer
    titles = [spec["layout"]["title"]["text"] for spec in plotly_specs(at)]
    assert "What the model sees (28×28)" in titles
    assert f"Why {answer}: red pixels speak for it, blue against" in titles  # saliency, in the class's name
    assert f"**Why the model said {answer}**" in [text.value for text in at.markdown]
    why = at.selectbox(key="predict_saliency_digit")
    assert why.label == "Why this garment"
    assert why.format_func(9) == "Ankle boot " + ("(its answer)" if answer == "Ankle boot" else "— why not?")
    why.set_value(9 if answer != "Ankle boot" else 0).run()
    assert not at.exception and not at.error
    other = "Ankle boot" if answer != "Ankle boot" else "T-shirt/top"
    assert f"Why {other}: red pixels speak for it, blue against" in [
        spec["layout"]["title"]["text"] for spec in plotly_specs(at)]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("coat.jpg", b"%PDF-1.4 this is a document", '"coat.jpg" is not a picture this server can read'),
    ("coat.jpg", bytes(10 * 1024 * 1024), '"coat.jpg" is 10.5 MB; photos up to 8 MB are read'),
    ("dot.png", _png(Image.new("RGB", (1, 1))), '"dot.png" is only 1 × 1 pixels; a photo needs at least'),
])
def test_a_hostile_upload_gets_a_message_and_no_answer(lab, store, owner, trained_fashion, name: str,
                                                       content: bytes, message: str) -> None:
    _warm(lab, store, owner, register_run(store, owner, trained_fashion))
    at = open_page(PREDICT, u=owner)
    at.file_uploader(key=PHOTO_KEY).set_value((name, content, "image/jpeg")).run()
    assert not at.exception and not at.error
    assert any(text.startswith(message) for text in messages(at, "info")), messages(at, "info")
    assert not at.metric  # nothing was asked of the model
    at.button(key="predict_random").click().run()  # and the page still works
    assert not at.exception and _reads(at)


def test_compare_keeps_each_datasets_accuracy_on_its_own_axis(manager, store, owner, trained,
                                                              trained_fashion) -> None:
    register_run(store, owner, trained["convnet"])
    register_run(store, owner, trained_fashion)
    at = open_page(COMPARE, u=owner)
    assert not at.exception
    assert len(at.multiselect(key="compare_runs").value) == 2
    warning = messages(at, "warning")[0]
    assert warning.startswith("These runs were trained and tested on different datasets (Fashion-MNIST "
                              "clothes and MNIST digits): their accuracies are not on one scale")
    assert at.dataframe[0].value["dataset"].tolist() == ["Fashion-MNIST", "MNIST"]
    assert [s.value for s in at.subheader][-2:] == ["On Fashion-MNIST clothes", "On MNIST digits"]
    specs = plotly_specs(at)
    assert [spec["layout"]["yaxis"]["title"]["text"] for spec in specs if "xaxis" in spec["layout"]
            and spec["layout"]["xaxis"].get("type") == "log"] == ["test accuracy on Fashion-MNIST",
                                                                  "test accuracy on MNIST"]
    curves = [spec for spec in specs if len(spec["layout"].get("annotations", [])) == 2]
    assert [spec["layout"]["annotations"][1]["text"] for spec in curves] == [
        "Accuracy on Fashion-MNIST", "Accuracy on MNIST"]
    for spec in curves:  # no curve of the other dataset's run on its axis
        assert len({trace["legendgroup"] for trace in spec["data"]}) == 1
