"""The link between the detectors and the rule catalogue, checked both ways.

A detector names the rule it feeds (``RULE``), and that rule's file maps the detector's code
(``tool = "riskaudit"``, ``code = "<CODE>"``). Every ``riskaudit`` mapping of the catalogue names the code of
a detector or of one of riskaudit's other findings (a suppression comment's problem, an unreadable source).
The catalogue itself is pure data; the check runs where both are known: at the start of a scan and in the
test suite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from riskaudit.catalogue import Catalogue, Rule
from riskaudit.detectors.base import TOOL, Detector
from riskaudit.detectors.runner import UNREADABLE_SOURCE
from riskaudit.detectors.mocked_database import BESIDE_REAL
from riskaudit.errors import CatalogueError
from riskaudit.suppressions import UNUSED, WITHOUT_REASON

OTHER_CODES: Mapping[str, str] = {
    BESIDE_REAL: "riskaudit.detectors.mocked_database (MockedDatabase.revise)",
    UNREADABLE_SOURCE: "riskaudit.detectors.runner",
    UNUSED: "riskaudit.suppressions",
    WITHOUT_REASON: "riskaudit.suppressions",
}
"""Codes of the ``riskaudit`` findings no detector makes, with the module that makes them."""


def link_problems(catalogue: Catalogue, detectors: Iterable[type[Detector]]) -> list[str]:
    """Every broken link between the detectors and the rules, each naming the detector or the rule file."""
    problems: list[str] = []
    codes: set[str] = set()
    for detector in detectors:
        codes.add(detector.CODE)
        name = f"detector {detector.__module__}.{detector.__qualname__}"
        rule = catalogue.rules.get(detector.RULE)
        if rule is None:
            problems.append(f"{name}: feeds rule {detector.RULE!r}, which no rule file defines")
        elif not any(m.tool == TOOL and m.code == detector.CODE for m in rule.mappings):
            problems.append(
                f"{name}: its rule file {_where(rule)} does not map its code "
                f'(add [[mappings]] tool = "{TOOL}", code = "{detector.CODE}")'
            )
    for rule in catalogue.rules.values():
        for index, mapping in enumerate(rule.mappings):
            if mapping.tool == TOOL and mapping.code not in codes and mapping.code not in OTHER_CODES:
                problems.append(
                    f"{_where(rule)}: mappings[{index}]: no detector has the code {mapping.code!r}"
                    f" (nor does any other {TOOL} finding)"
                )
    return problems


def check_links(catalogue: Catalogue, detectors: Iterable[type[Detector]]) -> None:
    """Raise CatalogueError naming every broken link between the detectors and the rules."""
    problems = link_problems(catalogue, detectors)
    if problems:
        raise CatalogueError("; ".join(problems))


def _where(rule: Rule) -> str:
    """The rule's file, or its id when it was not read from one."""
    return str(rule.path) if rule.path is not None else rule.id
