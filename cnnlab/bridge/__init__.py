"""The boundary to Keras: spec → model and code, model files, optimizers; uses core, imports TF lazily."""
