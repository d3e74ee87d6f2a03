"""The layer types a student can stack, by name, in the order the Build form and messages list them.

Adding a layer type is its file in this folder (a frozen dataclass subclassing `base.Layer`) and one line
here; parsing, arithmetic, JSON, Keras code, the Build form, the summary table and the picture all read
this table.
"""

from __future__ import annotations

from cnnlab.core.layer_types.base import Layer
from cnnlab.core.layer_types.batch_normalization import BatchNormalization
from cnnlab.core.layer_types.conv2d import Conv2D
from cnnlab.core.layer_types.dense import Dense
from cnnlab.core.layer_types.dropout import Dropout
from cnnlab.core.layer_types.flatten import Flatten
from cnnlab.core.layer_types.global_average_pooling import GlobalAveragePooling2D
from cnnlab.core.layer_types.pooling import AveragePooling2D, MaxPooling2D
from cnnlab.core.layer_types.zero_padding import ZeroPadding2D

LAYER_TYPES: dict[str, type[Layer]] = {layer.type: layer for layer in (
    Conv2D,
    MaxPooling2D,
    AveragePooling2D,
    ZeroPadding2D,
    Flatten,
    GlobalAveragePooling2D,
    Dense,
    Dropout,
    BatchNormalization,
)}
