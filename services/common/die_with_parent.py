"""``python -m services.common.die_with_parent PARENT_PID PROGRAM ARGS...``: run PROGRAM so that it is
terminated when its parent dies, even by SIGKILL (Linux ``PR_SET_PDEATHSIG``, kept across exec).

A launcher instead of ``subprocess``'s ``preexec_fn``, which is unsafe while the parent runs threads.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def main() -> None:
    parent, argv = int(sys.argv[1]), sys.argv[2:]
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the guard was set
        sys.exit(1)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
