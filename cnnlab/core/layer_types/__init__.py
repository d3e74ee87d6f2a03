"""The layer types a student can stack, one file each, as Keras keeps its `layers/`.

A layer type's file holds everything about it: its settings (JSON keys, Build form fields with their labels
and help, Keras arguments), its output shape and parameters with their worked formulas, and what one output
value sees of the image. `registry.py` lists them; the generic modules above (`parse`, `arithmetic`,
`spec_json`, `keras_args`, `layer_fields`, `receptive_field`, the Build page, the picture, model files) loop
over it. Adding a layer type is one new file here plus one line in `registry.py`.

Shared pieces: `base.py` (what every layer type is), `settings.py` (fields and how a JSON value is read),
`shapes.py` (shapes as students write them, and the sliding window of Conv2D and pooling).
"""
