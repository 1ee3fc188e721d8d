"""Starting a Python tool so that nothing in the folder it runs in can be imported by accident.

``python -m TOOL`` and ``python -c CODE`` put the working directory first on ``sys.path``: run in
a target's root, they import the target's ``types.py``, ``queue.py`` or ``mypy.py`` instead of the
standard library's or the tool's own module, and crash. ``-P`` (``PYTHONSAFEPATH``) prevents that
only from Python 3.11, and a target's environment may be older. So a tool runs from a ``-c``
one-liner that first drops the working-directory entry from ``sys.path``, then sets
``PYTHONSAFEPATH`` for the Python processes the tool starts itself (multiprocessing workers, on
3.11 and later), then runs the tool's ``__main__`` as ``-m`` would. The working directory stays
the target's root, where the tools find their configuration. The command is self-contained: copied
from a report and run in the same folder, it does exactly what riskaudit ran.
"""

from __future__ import annotations

SAFE_PATH = "import sys; sys.path[:] = [entry for entry in sys.path if entry]"
"""Drops the empty ``sys.path`` entries (the working directory ``-c`` puts first); runs before any import."""


def safe_code(code: str) -> str:
    """Python source for ``-c`` that runs ``code`` with the working directory off ``sys.path``."""
    return f"{SAFE_PATH}; {code}"


def module_command(python: str, module: str) -> list[str]:
    """``python -m module`` (arguments to follow) without the working directory on ``sys.path``."""
    run = (
        'import os, runpy; os.environ["PYTHONSAFEPATH"] = "1"; '
        f'runpy.run_module("{module}", run_name="__main__", alter_sys=True)'
    )
    return [python, "-c", safe_code(run)]
