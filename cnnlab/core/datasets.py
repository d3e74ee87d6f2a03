"""The datasets a run can train on: a closed set, each with its names, class names, file and sizes.

Both are 28×28 grey images in ten classes with 60,000 training and 10,000 test images (the sizes in
`cnnlab.core.mnist`), so every preset and every stack means the same on either: only the pictures and the
names of the classes differ. Plain Python; `cnnlab.engine.data` reads the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cnnlab.core.mnist import CLASSES, TEST_IMAGES, TRAIN_IMAGES


@dataclass(frozen=True)
class _About:
    """What a dataset is, in the words the pages use."""

    title: str  # the Train page's choice: "MNIST digits"
    name: str  # in sentences: "MNIST's 10,000 test images"
    thing: str  # one image shows a …: "digit", "garment"
    pictures: str  # what the images are: "28×28 grey handwritten digits"
    class_names: tuple[str, ...]  # by label 0–9
    file: str  # in cnnlab/assets
    keras_loader: str  # keras.datasets.<this>.load_data() gives the same arrays
    source: str  # where the shipped file came from (README, "Datasets")


_ABOUT: dict[str, _About] = {
    "mnist": _About("MNIST digits", "MNIST", "digit", "28×28 grey handwritten digits",
                    tuple(str(digit) for digit in range(CLASSES)), "mnist.npz", "mnist",
                    "Yann LeCun's MNIST, as Keras ships it"),
    "fashion": _About(
        "Fashion-MNIST clothes", "Fashion-MNIST", "garment",
        "28×28 grey photos of clothes, shoes and bags from Zalando's shop",
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
         "Ankle boot"),
        "fashion-mnist.npz", "fashion_mnist", "Zalando's Fashion-MNIST (MIT licence), Debian's "
        "dataset-fashion-mnist"),
}


class Dataset(StrEnum):
    """A dataset a run trains and is tested on, by the name runs, the CLI and challenges store ("fashion")."""

    MNIST = "mnist"
    FASHION = "fashion"

    @property
    def title(self) -> str:
        """The choice on the Train page.

        >>> Dataset.FASHION.title
        'Fashion-MNIST clothes'
        """
        return _ABOUT[self].title

    @property
    def display_name(self) -> str:
        """Its name in a sentence: 'MNIST', 'Fashion-MNIST'."""
        return _ABOUT[self].name

    @property
    def thing(self) -> str:
        """What one image shows: 'digit', 'garment' ("the true garment", "per garment")."""
        return _ABOUT[self].thing

    @property
    def pictures(self) -> str:
        """What its images show: '28×28 grey handwritten digits'."""
        return _ABOUT[self].pictures

    @property
    def class_names(self) -> tuple[str, ...]:
        """The ten classes by label.

        >>> Dataset.FASHION.class_names[9], Dataset.MNIST.class_names[3]
        ('Ankle boot', '3')
        """
        return _ABOUT[self].class_names

    @property
    def file(self) -> str:
        """Its file in `cnnlab/assets`: 'fashion-mnist.npz'."""
        return _ABOUT[self].file

    @property
    def keras_loader(self) -> str:
        """The `keras.datasets` module that downloads the same arrays: 'fashion_mnist'."""
        return _ABOUT[self].keras_loader

    @property
    def source(self) -> str:
        """Where the shipped file came from, in a few words."""
        return _ABOUT[self].source

    @property
    def train_images(self) -> int:
        """Training images: 60,000 in both."""
        return TRAIN_IMAGES

    @property
    def test_images(self) -> int:
        """Test images: 10,000 in both (a run is ranked only when scored on all of them)."""
        return TEST_IMAGES

    def class_name(self, label: int) -> str:
        """A label in words: 3 → '3' on MNIST, 'Dress' on Fashion-MNIST."""
        return self.class_names[label]


DEFAULT_DATASET = Dataset.MNIST  # runs stored before datasets existed were all MNIST


def dataset_of(value: object) -> Dataset:
    """A stored run's dataset: its `dataset` value if it is one of ours, else MNIST (runs from before).

    >>> dataset_of("fashion"), dataset_of(None)
    (<Dataset.FASHION: 'fashion'>, <Dataset.MNIST: 'mnist'>)
    """
    return Dataset(value) if isinstance(value, str) and value in set(Dataset) else DEFAULT_DATASET
