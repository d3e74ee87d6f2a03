"""Spec → a runnable Keras script a student can paste into a notebook (plain text; no TensorFlow imported)."""

from __future__ import annotations

import json

from cnnlab.core.hyper import Optimizer, TrainConfig
from cnnlab.core.keras_args import model_name
from cnnlab.core.layers import NetworkSpec
from cnnlab.core.optimizer_args import optimizer_arguments, schedule_arguments, total_steps


def keras_code(spec: NetworkSpec, run: TrainConfig | None = None) -> str:
    """A complete Python script that builds, summarises and compiles the same model (as the Keras intro post).

    Example line: `model.add(layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu"))`. Without
    `run` it compiles with rmsprop as the Keras intro post did. With the settings of a training run it goes on
    as that run did: load its dataset (MNIST or Fashion-MNIST, as Keras downloads it), scale x / 255, compile
    with the run's optimizer and learning rate, fit with its epochs, batch size, image count, validation split
    and seed, test, and save the `.h5`.
    """
    lines = [
        "import keras",
        "from keras import layers",
        "",
        f"model = keras.Sequential(name={_python(model_name(spec))})",
        f"model.add(keras.Input(shape={tuple(spec.input_shape)!r}))",
    ]
    for layer in spec.layers:
        args = ", ".join(f"{key}={_python(value)}" for key, value in layer.keras_arguments().items())
        lines.append(f"model.add(layers.{layer.type}({args}))")
    lines += ["", "model.summary()", ""]
    if run is None:
        lines.append('model.compile(optimizer="rmsprop", loss="categorical_crossentropy", '
                     'metrics=["accuracy"])')
    else:
        lines += _training_lines(run, model_name(spec))
    return "\n".join([*lines, ""])


def _training_lines(run: TrainConfig, name: str) -> list[str]:
    """The Keras intro post's training code with a run's settings (its dataset as Keras downloads it)."""
    held_out = f"{run.validation_split:.0%} held out to validate" if run.validation_split else "none held out"
    lines = [
        f"# As trained in CNN Lab: {run.epochs} epoch(s) on {run.train_size:,} {run.dataset.display_name} "
        "training images",
        f"# ({held_out}), {run.optimizer}, batch {run.batch_size}, learning rate {run.learning_rate:g}"
        f" ({run.schedule}).",
    ]
    if run.optimizer is Optimizer.RMSPROP:
        lines.append("# CNN Lab's rmsprop steps as Keras 2's did (epsilon after the square root): "
                     "your figures can differ a little.")
    lines += [
        f"keras.utils.set_random_seed({run.seed})",
        "(train_images, train_labels), (test_images, test_labels) = "
        f"keras.datasets.{run.dataset.keras_loader}.load_data()",
        f'train_images = train_images[:{run.train_size}].reshape((-1, 28, 28, 1)).astype("float32") / 255',
        f"train_labels = train_labels[:{run.train_size}]",
        'test_images = test_images.reshape((-1, 28, 28, 1)).astype("float32") / 255',
        "",
        *_optimizer_lines(run),
        "model.compile(optimizer=optimizer,",
        '              loss="sparse_categorical_crossentropy", metrics=["accuracy"])',
        f"model.fit(train_images, train_labels, epochs={run.epochs}, batch_size={run.batch_size}, "
        f"validation_split={run.validation_split!r})",
        "test_loss, test_accuracy = model.evaluate(test_images, test_labels)",
        'print("Test accuracy:", test_accuracy)',
        f"model.save({_python(name + '.h5')})",
    ]
    return lines


def _optimizer_lines(run: TrainConfig) -> list[str]:
    """`optimizer = keras.optimizers.Adam(...)` with the run's schedule and settings, Keras's own classes."""
    settings = "".join(f", {name}={value!r}" for name, value in optimizer_arguments(run).items())
    schedule = schedule_arguments(run)
    if schedule is None:
        rate = run.learning_rate
        return [f"optimizer = keras.optimizers.{run.optimizer.keras_class}(learning_rate={rate!r}{settings})"]
    arguments = ", ".join(f"{name}={value!r}" for name, value in schedule.items())
    return [
        f"# {run.schedule} learning rate over {total_steps(run):,} steps ({run.epochs} epoch(s) of "
        f"{run.steps_per_epoch:,} batches)",
        f"schedule = keras.optimizers.schedules.CosineDecay({arguments})",
        f"optimizer = keras.optimizers.{run.optimizer.keras_class}(learning_rate=schedule{settings})",
    ]


def _python(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)
