"""The registry of riskaudit's detectors: every ``Detector`` subclass defined in a detector module.

A detector module is a module of ``riskaudit.detectors`` other than the framework's (``base``, ``links``,
``project``, ``registry``, ``runner``); the subpackage ``analysis`` holds shared models, no detectors.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from riskaudit.detectors.base import Detector

PACKAGE = "riskaudit.detectors"
"""The package the detector modules live in."""
FRAMEWORK = frozenset({"base", "links", "project", "registry", "runner"})
"""Modules of the package that hold the framework, not detectors."""


def detector_modules() -> tuple[str, ...]:
    """The dotted names of the detector modules, sorted."""
    folder = Path(inspect.getfile(Detector)).parent
    return tuple(
        f"{PACKAGE}.{info.name}"
        for info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda info: info.name)
        if not info.ispkg and info.name not in FRAMEWORK and not info.name.startswith("_")
    )


def _discover() -> tuple[type[Detector], ...]:
    """Import every detector module and collect the classes it defines."""
    found: list[type[Detector]] = []
    for name in detector_modules():
        module = importlib.import_module(name)
        found.extend(
            obj
            for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, Detector) and obj is not Detector and obj.__module__ == module.__name__
        )
    return tuple(sorted(found, key=lambda d: (d.RULE, d.CODE)))


ALL_DETECTORS: tuple[type[Detector], ...] = _discover()
"""Every detector, in (rule id, code) order."""
