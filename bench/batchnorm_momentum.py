"""Why the batchnorm preset read every test digit as a 1, reproduced in plain Keras (no CNN Lab code trains).

    python bench/batchnorm_momentum.py [--seeds 0 1] [--json]

The preset's stack (Conv 32 'same' → BatchNormalization → max-pool → Conv 64 'same' → BatchNormalization →
max-pool → GlobalAveragePooling2D → Dropout 0.25 → Dense 10), written out with `keras.layers`, is trained with
`model.fit` on float arrays x / 255 under two recipes: the Train page's defaults (1 epoch on 30,000 images,
10 % held out, adam β₁ 0.7 β₂ 0.9, one-cycle to 0.01 over 211 batches) and adam at a constant 0.001 for 3
epochs; each with BatchNormalization's momentum 0.99 (Keras's default) and 0.9, and with Keras's momentum but
no Dropout. Printed per run: the last epoch's training and validation accuracy, the test accuracy as Keras
evaluates it (moving statistics) and with every BatchNormalization in training mode (each batch of 1,000 test
images normalised by its own statistics), and, for the last BatchNormalization, how far its moving mean lies
from the mean of what it receives on the test images (in standard deviations, median and largest over its
channels). A model that reads the test set in training mode but not with its moving statistics has
statistics that lag behind its weights.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # after the log level is set
import numpy as np
from keras import layers

from cnnlab.engine.data import load_mnist  # the shipped arrays: Keras's own mnist.npz, offline

RECIPES = {  # name → (epochs, training images, one-cycle peak or None for a constant rate, the rate)
    "Train page's defaults": (1, 30_000, 0.01),
    "adam 0.001, 3 epochs": (3, 30_000, None),
}
VARIANTS = {  # name → (BatchNormalization's momentum, Dropout or not)
    "momentum 0.99": (0.99, True),
    "momentum 0.9": (0.9, True),
    "momentum 0.99, no Dropout": (0.99, False),
}


def batchnorm_stack(momentum: float, dropout: bool) -> keras.Sequential:
    """The batchnorm preset in plain Keras, with this BatchNormalization momentum (and Dropout or not)."""
    model = keras.Sequential([keras.Input((28, 28, 1))])
    for filters in (32, 64):
        model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
        model.add(layers.BatchNormalization(momentum=momentum))
        model.add(layers.MaxPooling2D())
    model.add(layers.GlobalAveragePooling2D())
    if dropout:
        model.add(layers.Dropout(0.25))
    model.add(layers.Dense(10, activation="softmax"))
    return model


def optimizer(recipe: str, steps: int) -> keras.optimizers.Optimizer:
    """adam with the Train page's one-cycle schedule (β₁ 0.7, β₂ 0.9), or Keras's adam at a constant rate."""
    _, _, peak = RECIPES[recipe]
    if peak is None:
        return keras.optimizers.Adam(0.001)
    rising = round(0.15 * steps)
    rate = keras.optimizers.schedules.CosineDecay(peak / 10, steps - rising, 0.0, warmup_target=peak,
                                                  warmup_steps=rising)
    return keras.optimizers.Adam(rate, beta_1=0.7, beta_2=0.9)


def run(recipe: str, variant: str, seed: int, data: tuple[np.ndarray, ...]) -> dict:
    """Train one model and measure it (see the module docstring)."""
    x_train, y_train, x_test, y_test = data
    epochs, images, _ = RECIPES[recipe]
    momentum, dropout = VARIANTS[variant]
    keras.utils.set_random_seed(seed)
    model = batchnorm_stack(momentum, dropout)
    steps = epochs * int(np.ceil(images * 0.9 / 128))
    model.compile(optimizer=optimizer(recipe, steps), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train[:images], y_train[:images], epochs=epochs, batch_size=128,
                        validation_split=0.1, verbose=0).history
    _, test = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    batch_mode = np.concatenate([np.asarray(model(x_test[start:start + 1000], training=True)).argmax(axis=1)
                                 for start in range(0, len(x_test), 1000)])
    last = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)][-1]
    received = keras.Model(model.inputs, model.layers[model.layers.index(last) - 1].output)
    inputs = received.predict(x_test, batch_size=1000, verbose=0)
    mean, spread = inputs.mean(axis=(0, 1, 2)), np.sqrt(inputs.var(axis=(0, 1, 2)) + last.epsilon)
    lag = np.abs(np.asarray(last.moving_mean) - mean) / spread
    return {"recipe": recipe, "variant": variant, "seed": seed, "training": history["accuracy"][-1],
            "validation": history["val_accuracy"][-1], "test": float(test),
            "test_batch_statistics": float((batch_mode == y_test).mean()),
            "mean_lag_sd_median": float(np.median(lag)), "mean_lag_sd_max": float(lag.max()),
            "load_average": os.getloadavg()[0]}


def main() -> None:
    """Every recipe × variant × seed, one line each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    mnist = load_mnist()
    data = (mnist.x_train[..., None].astype("float32") / 255, mnist.y_train,
            mnist.x_test[..., None].astype("float32") / 255, mnist.y_test)
    rows = []
    for recipe in RECIPES:
        for variant in VARIANTS:
            for seed in args.seeds:
                rows.append(run(recipe, variant, seed, data))
                if not args.json:
                    row = rows[-1]
                    print(f"{recipe:22} {variant:26} seed {seed}: training {row['training']:.2%}, validation "
                          f"{row['validation']:.2%}, test {row['test']:.2%} (with each batch's own "
                          f"statistics {row['test_batch_statistics']:.2%}); last BatchNormalization's moving "
                          f"mean off by {row['mean_lag_sd_median']:.2f} sd (median), "
                          f"{row['mean_lag_sd_max']:.2f} (largest); load {row['load_average']:.1f}",
                          flush=True)
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
