"""What every command shares: exit statuses, the user-fixable error, and reading a spec file safely."""

from __future__ import annotations

import sys
from pathlib import Path

from cnnlab.core.layers import MAX_SPEC_BYTES
from cnnlab.core.messages import SpecError
from cnnlab.core.spec_json import decode_spec_json

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Input the user can fix (bad file, bad spec, unknown preset); its message is printed, exit status 2."""


def read_spec_file(path: str) -> object:
    """The JSON value in the file at `path` ("-" reads stdin), refusing directories, huge and binary files.

    Raises UsageError with a one-line message.
    """
    if path == "-":
        data = sys.stdin.buffer.read(MAX_SPEC_BYTES + 1)
    else:
        file = Path(path)
        try:
            if file.is_dir():
                raise UsageError(f"{path}: is a directory, not a spec file")
            size = file.stat().st_size
            if size > MAX_SPEC_BYTES:
                raise UsageError(f"{path}: {size:,} bytes is more than the cap of {MAX_SPEC_BYTES:,} bytes")
            with file.open("rb") as handle:
                data = handle.read(MAX_SPEC_BYTES + 1)
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file") from None
        except OSError as error:
            raise UsageError(f"{path}: cannot be read ({error.strerror or type(error).__name__})") from None
    try:
        return decode_spec_json(data, source=path if path != "-" else "stdin")
    except SpecError as error:
        raise UsageError(str(error)) from None
