"""``--untrusted``: where tools run and which configs they get when nothing of the target may execute.

A target's tool configs can load code: mypy and coverage plugins, flake8 local plugins, a
``python_executable``. In untrusted mode every tool runs with riskaudit's own interpreter, in an
empty temporary folder, on absolute file paths, with the configs written here instead of the target's.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path

MYPY_CONFIG = "[mypy]\nshow_error_codes = True\n"
"""mypy's settings in untrusted mode: its defaults, no plugins, no ``python_executable``."""
COVERAGE_CONFIG = "[run]\n[report]\n"
"""coverage's settings in untrusted mode: its defaults, no plugins."""
FLAKE8_OPTIONS = ("--isolated",)
"""flake8 in untrusted mode: no config files, hence no local plugins."""

_lock = threading.Lock()
_folder: list[Path] = []


def _base() -> Path:
    """The private temporary folder of this process (removed at exit)."""
    with _lock:
        if not _folder:
            base = Path(tempfile.mkdtemp(prefix="riskaudit-untrusted-"))
            (base / "work").mkdir()
            (base / "config").mkdir()
            (base / "config" / "mypy.ini").write_text(MYPY_CONFIG, encoding="utf-8")
            (base / "config" / "coveragerc").write_text(COVERAGE_CONFIG, encoding="utf-8")
            atexit.register(shutil.rmtree, base, True)
            _folder.append(base)
        return _folder[0]


def work_dir() -> Path:
    """An empty folder outside the target to run tools in (nothing there for ``-m`` to import)."""
    return _base() / "work"


def mypy_config() -> Path:
    """The mypy config file riskaudit writes (used instead of the target's)."""
    return _base() / "config" / "mypy.ini"


def coverage_config() -> Path:
    """The coverage rc file riskaudit writes (used instead of the target's)."""
    return _base() / "config" / "coveragerc"
