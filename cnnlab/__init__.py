"""CNN Lab: stack Conv / Pool / Dense layers, see Keras-exact shapes and parameters, train on MNIST.

Layers, each a subpackage that may import only those below it (import-linter holds this, see pyproject.toml):
ui | cli → insight → engine → bridge → core. TensorFlow is imported lazily, in `bridge` and in the worker
processes only; the web server never loads it.
"""
