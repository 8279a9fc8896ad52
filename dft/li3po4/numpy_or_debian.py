"""Import this first in every script here: it makes numpy importable.

If the `python3` that runs a script has no numpy (e.g. a pyenv interpreter), the script restarts
itself under Debian's /usr/bin/python3 (python3-numpy), once (LI3PO4_REEXEC guards the loop).
"""
import os
import sys

try:
    import numpy  # noqa: F401
except ImportError:
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3" \
            and not os.environ.get("LI3PO4_REEXEC"):
        os.environ["LI3PO4_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise
