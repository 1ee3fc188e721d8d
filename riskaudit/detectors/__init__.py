"""riskaudit's own libcst detectors: risk patterns the wrapped tools cannot see.

One module per detector. ``ALL_DETECTORS`` is the registry: every ``Detector`` subclass defined in
a module of this package, in (rule id, code) order. The framework's modules (``base``, ``links``,
``project``, ``runner``) and the subpackage ``analysis`` (models several detectors share) hold none.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from riskaudit.detectors.base import Detector

_FRAMEWORK = frozenset({"base", "links", "project", "runner"})


def _discover() -> tuple[type[Detector], ...]:
    """Import every detector module of the package and collect the classes it defines."""
    found: list[type[Detector]] = []
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg or info.name in _FRAMEWORK or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(
            obj
            for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, Detector) and obj is not Detector and obj.__module__ == module.__name__
        )
    return tuple(sorted(found, key=lambda d: (d.RULE, d.CODE)))


ALL_DETECTORS: tuple[type[Detector], ...] = _discover()
