"""`python -m cnnlab …`: one module per command, shared input helpers in `inputs`; uses all but ui."""
