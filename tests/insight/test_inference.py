"""The inference worker answers what Keras answers, caps what it shows, and survives crashes and hangs."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from cnnlab.insight.inference import MAX_MAP_CHANNELS, InferenceClient, InferenceError
from cnnlab.lab import Lab
from cnnlab.testing.polling import wait_until

pytestmark = pytest.mark.keras


def _convnet(seed: int):
    """A small convnet covering every map layer kind, one of them wider than the 64-channel cap."""
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv_a"),
            keras.layers.MaxPooling2D(name="pool_a"),
            keras.layers.Conv2D(70, 3, activation="relu", name="conv_b"),
            keras.layers.AveragePooling2D(2, name="pool_b"),
            keras.layers.Dropout(0.5),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The Keras convnet in memory, saved as .h5 and .keras, and a convolution-free MLP saved as .h5."""
    import keras

    folder = tmp_path_factory.mktemp("models")
    convnet = _convnet(seed=0)
    convnet.save(folder / "convnet.h5")
    convnet.save(folder / "convnet.keras")
    mlp = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    mlp.save(folder / "mlp.h5")
    return {"keras": convnet, "h5": folder / "convnet.h5", "keras_file": folder / "convnet.keras",
            "mlp": folder / "mlp.h5", "folder": folder}


@pytest.fixture(scope="module")
def client() -> Iterator[InferenceClient]:
    worker = InferenceClient()
    yield worker
    worker.close()


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(1).random((5, 28, 28), dtype=np.float32)


@pytest.mark.parametrize("file_kind", ["h5", "keras_file"])
def test_probabilities_equal_keras_predict(client, models, images, file_kind: str) -> None:
    expected = models["keras"].predict(images[..., None], verbose=0)
    got = client.predict(models[file_kind], images)
    assert got.shape == (5, 10) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(client.predict(models["h5"], images[:1, ..., None]), expected[:1], atol=1e-5)


def test_feature_maps_are_the_keras_layer_outputs(client, models, images) -> None:
    import keras

    model = models["keras"]
    layers = client.feature_maps(models["h5"], images[0], max_channels=8)
    assert [(m.position, m.layer_name, m.layer_type) for m in layers] == [
        (1, "conv_a", "Conv2D"),
        (2, "pool_a", "MaxPooling2D"),
        (3, "conv_b", "Conv2D"),
        (4, "pool_b", "AveragePooling2D"),
    ]
    names = [m.layer_name for m in layers]
    keras_layers = [model.get_layer(name) for name in names]
    assert [m.shape for m in layers] == [tuple(layer.output.shape[1:]) for layer in keras_layers]
    assert [m.shape for m in layers] == [(26, 26, 4), (13, 13, 4), (11, 11, 70), (5, 5, 70)]
    probe = keras.Model(model.inputs[0], [layer.output for layer in keras_layers])
    outputs = probe.predict(images[:1, ..., None], verbose=0)
    for maps, output in zip(layers, outputs, strict=True):
        shown = min(8, maps.channels_total)
        assert maps.maps.shape == (shown, *maps.shape[:2])
        np.testing.assert_allclose(maps.maps, output[0, :, :, :shown].transpose(2, 0, 1), atol=1e-5)


def test_channel_caps_are_respected(client, models, images) -> None:
    three = client.feature_maps(models["h5"], images[0], max_channels=3)
    assert [(m.maps.shape[0], m.channels_total) for m in three] == [(3, 4), (3, 4), (3, 70), (3, 70)]
    huge = client.feature_maps(models["h5"], images[0], max_channels=10_000)
    assert [m.maps.shape[0] for m in huge] == [4, 4, MAX_MAP_CHANNELS, MAX_MAP_CHANNELS]
    assert MAX_MAP_CHANNELS == 64


def test_first_conv_filters_are_the_learned_kernels(client, models) -> None:
    filters = client.first_conv_filters(models["h5"], max_filters=3)
    kernel = models["keras"].get_layer("conv_a").get_weights()[0]
    assert (filters.position, filters.layer_name, filters.kernel_shape, filters.filters_total) == (
        1, "conv_a", (3, 3, 1, 4), 4)
    assert filters.weights.shape == (3, 3, 3)
    np.testing.assert_allclose(filters.weights, kernel[:, :, 0, :3].transpose(2, 0, 1))


def test_a_stack_without_convolutions_has_no_maps_and_no_filters(client, models, images) -> None:
    assert client.feature_maps(models["mlp"], images[0]) == []
    assert client.first_conv_filters(models["mlp"]) is None
    assert client.predict(models["mlp"], images).shape == (5, 10)


def test_bad_files_and_inputs_give_messages_and_keep_the_worker(client, models, images, tmp_path) -> None:
    client.predict(models["h5"], images[:1])
    pid = client.pid
    with pytest.raises(InferenceError, match=r"The model file gone\.h5 is missing"):
        client.predict(tmp_path / "gone.h5", images)
    (tmp_path / "junk.h5").write_bytes(b"not a model")
    with pytest.raises(InferenceError, match=r"The model file junk\.h5 could not be read"):
        client.predict(tmp_path / "junk.h5", images)
    with pytest.raises(InferenceError, match=r"do not fit this model's input \(28, 28, 1\)"):
        client.predict(models["h5"], np.zeros((2, 5, 5), dtype=np.float32))
    with pytest.raises(InferenceError, match="1 to 10,000 images"):
        client.predict(models["h5"], np.zeros((0, 28, 28), dtype=np.float32))
    assert client.pid == pid


def test_a_rewritten_model_file_is_loaded_again(client, models, images) -> None:
    path = models["folder"] / "changing.h5"
    first, second = _convnet(seed=1), _convnet(seed=2)
    first.save(path)
    expected = first.predict(images[..., None], verbose=0)
    np.testing.assert_allclose(client.predict(path, images), expected, atol=1e-5)
    second.save(path)
    expected = second.predict(images[..., None], verbose=0)
    np.testing.assert_allclose(client.predict(path, images), expected, atol=1e-5)


def _wait_until_dead(pid: int) -> None:
    """Until every thread of the killed `pid` has exited, leaving its zombie: a while after an OOM kill."""
    def zombie() -> bool:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return len(os.listdir(f"/proc/{pid}/task")) == 1 and state == "Z"

    wait_until(zombie, what=f"process {pid} to die")


def test_a_worker_killed_while_idle_is_replaced_silently(client, models, images) -> None:
    expected = client.predict(models["h5"], images)
    old = client.pid
    os.kill(old, signal.SIGKILL)
    _wait_until_dead(old)
    np.testing.assert_allclose(client.predict(models["h5"], images), expected, atol=1e-5)
    assert client.pid != old


def test_a_crash_during_a_request_gives_a_clear_error_then_recovers(client, models, images) -> None:
    expected = client.predict(models["h5"], images)
    pid = client.pid
    os.kill(pid, signal.SIGSTOP)  # frozen: it cannot answer before it is killed
    threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()
    with pytest.raises(InferenceError) as raised:
        client.predict(models["h5"], images)
    assert str(raised.value) == (
        "The model worker stopped unexpectedly while answering (killed by SIGKILL, often out of memory); "
        "it was restarted — try again."
    )
    np.testing.assert_allclose(client.predict(models["h5"], images), expected, atol=1e-5)


def test_a_hung_worker_times_out_then_recovers(client, models, images) -> None:
    expected = client.predict(models["h5"], images)
    hung = client.pid
    os.kill(hung, signal.SIGSTOP)
    with pytest.raises(InferenceError, match=r"took longer than 0\.5 s to answer, so it was restarted"):
        client.predict(models["h5"], images, timeout=0.5)
    np.testing.assert_allclose(client.predict(models["h5"], images), expected, atol=1e-5)
    assert client.pid != hung


def test_a_worker_above_its_memory_limit_is_replaced_after_answering(models, images) -> None:
    small = InferenceClient(rss_limit_bytes=1)
    try:
        first = small.predict(models["h5"], images)
        pid_after_first = small.pid
        np.testing.assert_allclose(small.predict(models["h5"], images), first, atol=1e-5)
        assert small.pid != pid_after_first
    finally:
        small.close()
    assert small.pid is None


def test_the_labs_client_starts_no_worker_until_asked(lab: Lab) -> None:
    assert isinstance(lab.inference, InferenceClient) and lab.inference.pid is None
