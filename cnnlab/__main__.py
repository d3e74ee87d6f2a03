"""`python -m cnnlab …`: the command line (see cnnlab.cli)."""

import sys

from cnnlab.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
