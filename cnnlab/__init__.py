"""CNN Lab: stack Conv / Pool / Dense layers, see Keras-exact shapes and parameters, train on MNIST.

Everything here is plain Python importable without Streamlit; TensorFlow is imported lazily and only in
`keras_bridge` and the worker processes.
"""
