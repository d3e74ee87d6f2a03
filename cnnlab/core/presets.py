"""Ready-made stacks: the Keras intro post's convnet and LeNot, a fast recipe, and contrasts teaching one idea
each.

A preset may carry the training settings it was made for (`Preset.training`, the fast recipe does): Train
fills them in and `cnnlab train --preset` uses them; every other preset trains with the Train page's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnlab.core.hyper import Optimizer, Schedule, TrainConfig
from cnnlab.core.layer_types.batch_normalization import BatchNormalization
from cnnlab.core.layer_types.conv2d import Conv2D
from cnnlab.core.layer_types.dense import Dense
from cnnlab.core.layer_types.dropout import Dropout
from cnnlab.core.layer_types.flatten import Flatten
from cnnlab.core.layer_types.global_average_pooling import GlobalAveragePooling2D
from cnnlab.core.layer_types.pooling import MaxPooling2D
from cnnlab.core.layer_types.settings import Activation, Padding
from cnnlab.core.layer_types.zero_padding import ZeroPadding2D
from cnnlab.core.layers import NetworkSpec

RELU = Activation.relu
SOFTMAX = Activation.softmax


def _max_pool(side: int = 2) -> MaxPooling2D:
    return MaxPooling2D((side, side), (side, side))


def _conv(filters: int, side: int, **settings: object) -> Conv2D:
    return Conv2D(filters, (side, side), activation=RELU, **settings)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Preset:
    """A named stack with a title and one teaching paragraph for the Build page, and the training settings it
    suggests (None: the Train page's own defaults)."""

    name: str
    title: str
    description: str
    spec: NetworkSpec
    training: TrainConfig | None = None


FAST_TRAINING = TrainConfig(  # 99 % test accuracy in one epoch (bench/seed_accuracy.py)
    epochs=1, batch_size=128, optimizer=Optimizer.ADAM, learning_rate=0.01, train_size=60_000,
    validation_split=0.0, schedule=Schedule.ONE_CYCLE, warmup_fraction=0.15, beta_1=0.7, beta_2=0.9,
)

_MEASURED = ("One recipe for every preset (adam, one-cycle to 0.01, 5 epochs on all 60,000 images, 3 seeds; "
             "bench/dataset_accuracy.py): ")

PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "convnet", "Convnet (reference, 60,874 parameters)",
            "The first convnet of the Keras intro post: three 3×3 convolutions (16, 32, 64 filters) with "
            "max-pooling between them shrink the 28×28 digit to a 3×3×64 block of features, which Flatten"
            " unrolls into 576 values for a Dense layer of 64 and a softmax over the 10 digits. Notice "
            "that the convolutions hold under 40 % of the weights: most sit in the first Dense layer. "
            "98.91 % test accuracy after 5 epochs. " + _MEASURED + "99.24 % on MNIST, 90.55 % on "
            "Fashion-MNIST, where its convolutions are worth 2.3 points over the plain MLP (1.0 on MNIST).",
            NetworkSpec((28, 28, 1), (
                _conv(16, 3), _max_pool(), _conv(32, 3), _max_pool(), _conv(64, 3), Flatten(),
                Dense(64, RELU), Dense(10, SOFTMAX)), "convnet"),
        ),
        Preset(
            "lenot", "LeNot — LeNet-5 inspired (reference, 61,706 parameters)",
            "LeNet-5 read 32×32 cheques, so ZeroPadding2D first pads the 28×28 digit to 32×32. Two 5×5 "
            "convolutions (6 and 16 filters), each followed by 2×2 max-pooling, leave 5×5×16 = 400 "
            "features for Dense layers of 120 and 84 and a softmax over the 10 digits. Almost the same "
            "number of weights as the convnet, arranged differently: 99.11 % test accuracy after 10 "
            "epochs. " + _MEASURED + "99.06 % on MNIST, 90.23 % on Fashion-MNIST.",
            NetworkSpec((28, 28, 1), (
                ZeroPadding2D(((2, 2), (2, 2))), _conv(6, 5), _max_pool(), _conv(16, 5), _max_pool(),
                Flatten(), Dense(120, RELU), Dense(84, RELU), Dense(10, SOFTMAX)), "lenot"),
        ),
        Preset(
            "mlp", "Plain MLP (no convolutions)",
            "The contrast: Flatten throws away the picture's 2-D layout at once and every one of the 784 "
            "pixels connects to each of 128 neurons, so the first layer alone needs (784 × 128) + 128 = "
            "100,480 weights — more than the whole convnet — and a stroke learned in one corner must be "
            "learned again in every other place. It still reaches about 97–98 % on MNIST, a useful "
            "baseline. " + _MEASURED + "98.23 % on MNIST, 1.0 point behind the convnet; 88.22 % on "
            "Fashion-MNIST, 2.3 points behind: on clothes the convolutions show.",
            NetworkSpec((28, 28, 1), (Flatten(), Dense(128, RELU), Dense(10, SOFTMAX)), "mlp"),
        ),
        Preset(
            "tiny", "Tiny convnet (under 10,000 parameters)",
            "How small can a digit reader be? Two small convolutions with stride-2 'same' padding halve "
            "the image twice (28 → 14 → 7) without pooling layers, and GlobalAveragePooling2D replaces "
            "Flatten by averaging each of the 16 feature maps, so the classifier needs just 16 × 10 + 10 "
            "= 170 weights. Under 4,000 parameters in all, trained in seconds. " + _MEASURED + "97.44 % on "
            "MNIST, 1.8 points behind the convnet; 85.39 % on Fashion-MNIST, 5.2 points behind.",
            NetworkSpec((28, 28, 1), (
                _conv(8, 3, strides=(2, 2), padding=Padding.same),
                _conv(16, 3, strides=(2, 2), padding=Padding.same),
                _conv(16, 3), GlobalAveragePooling2D(), Dense(10, SOFTMAX)), "tiny"),
        ),
        Preset(
            "batchnorm", "Modern touches: BatchNormalization, Dropout, GlobalAveragePooling2D",
            "Each convolution block is followed by BatchNormalization, whose 4 numbers per channel are "
            "half learned (γ, β) and half tracked statistics (moving mean and variance) — the only non-"
            "trainable parameters you will see here. Both layers act differently while training and while "
            "testing: BatchNormalization normalises a training batch by its own statistics but a test "
            "image by the moving ones, and Dropout switches off a quarter of the features only while "
            "training. The moving statistics follow the batches with momentum 0.9 (about the last 10 "
            "batches): with Keras's 0.99 they lag behind a short, fast run and the model that trained to "
            "84 % reads every test digit as a 1 (11.35 %). 'same' padding keeps the sides until pooling "
            "halves them, and GlobalAveragePooling2D keeps the classifier small. " + _MEASURED + "98.55 % on "
            "MNIST, 89.83 % on Fashion-MNIST.",
            NetworkSpec((28, 28, 1), (
                _conv(32, 3, padding=Padding.same), BatchNormalization(0.9), _max_pool(),
                _conv(64, 3, padding=Padding.same), BatchNormalization(0.9), _max_pool(),
                GlobalAveragePooling2D(), Dropout(0.25), Dense(10, SOFTMAX)), "batchnorm"),
        ),
        Preset(
            "fast", "Fast: 99 % in one epoch (215,194 parameters)",
            "A recipe from the fastest published MNIST runs: a 5×5 convolution of 24 filters and a 3×3 one "
            "of 32, each halved by max-pooling, then Dense 256 and the softmax. It trains for a single epoch "
            "on all 60,000 images with Adam at low betas (β₁ 0.7, β₂ 0.9) and a one-cycle learning rate that "
            "climbs to 0.01 and falls back to zero, in batches of 128 — and still reads about 99 % of the "
            "test digits. Train fills in these settings; change them to see what each one buys. Its "
            "one epoch reads 89.0 % on Fashion-MNIST (3 epochs: 90.5 %; 5: 90.7 %, the best "
            "of the presets).",
            NetworkSpec((28, 28, 1), (
                _conv(24, 5), _max_pool(), _conv(32, 3), _max_pool(), Flatten(), Dense(256, RELU),
                Dense(10, SOFTMAX)), "fast"),
            FAST_TRAINING,
        ),
    )
}


def preset_spec(name: str) -> NetworkSpec:
    """The spec of preset `name` (see PRESETS); an unknown name raises KeyError listing the names."""
    try:
        return PRESETS[name].spec
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; one of {', '.join(PRESETS)}") from None
