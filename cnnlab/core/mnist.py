"""MNIST's fixed sizes — image counts, side, classes — known without loading the data (`engine.data` does)."""

TRAIN_IMAGES = 60_000
TEST_IMAGES = 10_000
IMAGE_SIDE = 28
CLASSES = 10
