"""The files mypy reads besides the modules it is given: what a cached mypy result must be keyed by.

mypy follows imports. A stub (``.pyi``) anywhere in the target can shadow a module or give a type to a
third-party one, and the folders of ``mypy_path`` (the project's config) and ``MYPYPATH`` (the
environment) hold modules and stubs it resolves imports from. A change to any of them changes mypy's
findings, so each is part of the cached result's key.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from riskaudit.collectors.mypy_config import CONFIG_DIR_VARIABLE, MypyConfig
from riskaudit.discovery import SKIPPED_DIRS
from riskaudit.tree_walk import walk

SOURCE_SUFFIXES = (".py", ".pyi")
"""What mypy reads as modules on its search path."""


def search_folders(root: Path, config: MypyConfig | None, environment: str | None) -> tuple[Path, ...]:
    """The folders of the config's ``mypy_path`` (relative to root, where mypy runs) and of ``MYPYPATH``.

    ``$MYPY_CONFIG_FILE_DIR`` stands for the config's folder, as mypy expands it.
    """
    entries: list[str] = []
    if config is not None:
        folder = str(config.path.parent)
        entries += [CONFIG_DIR_VARIABLE.sub(lambda _: folder, entry) for entry in config.strings("mypy_path", ",:")]
    entries += [entry for entry in (environment or "").split(os.pathsep) if entry.strip()]
    found: dict[Path, None] = {}
    for entry in entries:
        found[(root / os.path.expanduser(entry.strip())).absolute()] = None
    return tuple(found)


def read_inputs(root: Path, stubs: Iterable[str], folders: Iterable[Path]) -> tuple[Path, ...]:
    """The target's stubs (found by discovery), and every module and stub below the search folders, sorted.

    In the search folders, those riskaudit never analyses (virtualenvs, caches, VCS: none is a name mypy
    imports) are skipped; symlinked folders are not entered.
    """
    found: set[Path] = {root / stub for stub in stubs}
    for folder in folders:
        found.update(_below(folder, SOURCE_SUFFIXES))
    return tuple(sorted(found))


def _below(top: Path, suffixes: tuple[str, ...]) -> Iterable[Path]:
    """Regular files under top whose names end in one of the suffixes."""
    for dirpath, dirnames, filenames in walk(top):
        dirnames[:] = [name for name in dirnames if name not in SKIPPED_DIRS]
        for name in filenames:
            if name.endswith(suffixes):
                path = Path(dirpath) / name
                if path.is_file():
                    yield path
