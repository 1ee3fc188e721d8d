"""What a file is for: production code, test code, or support code (examples, docs, tooling, generated).

A reviewer reads production code first. Test code has risks of its own (tests that check nothing,
a mocked database) and its complexity or typing slips do not reach users; examples, documentation
snippets, benchmarks and development tooling in top-level ``docs/``, ``examples/``, ``tools/`` or
``scripts/`` folders are read or run by people, not deployed. Generated code (a header saying
``DO NOT EDIT``, like protoc's ``*_pb2.py``) ships, but is fixed by regenerating it, not by editing:
its findings rank with the support code's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

SOURCE = "source"
"""Production code: what the project ships or deploys."""
TEST = "test"
"""Test code: test modules, ``conftest.py``, anything under a tests folder."""
SUPPORT = "support"
"""Examples, documentation snippets, benchmarks and development tooling: read or run by hand, not deployed."""
ROLES = (SOURCE, TEST, SUPPORT)
"""Every role, in the order a reviewer reads them."""

TEST_DIRS = frozenset({"test", "tests", "testing"})
"""Folder names that hold test code."""
SUPPORT_DIRS = frozenset(
    {
        "examples", "example", "docs", "doc", "docs_src", "benchmarks", "benchmark", "tools", "scripts",
        "dev", "devtools", "ci", ".ci", ".github", "contrib_tools", "sandbox",
    }
)
"""Top-level folder names that hold support code: examples, documentation snippets, benchmarks, tooling."""


def is_test_path(path: str) -> bool:
    """Whether a relative POSIX path is test code: a tests folder, ``test_*.py``, ``*_test.py``, ``conftest.py``.

    Not below a top-level support folder (``docs/``, ``examples/``, ...): a documentation snippet that
    shows a test is read, not run as the project's suite.
    """
    pure = PurePosixPath(path)
    folders = pure.parts[:-1]
    if folders and folders[0].lower() in SUPPORT_DIRS:  # docs/snippets/testing/fixture.py documents, not tests
        return False
    if pure.name == "conftest.py" or is_test_module(path):
        return True
    return any(part in TEST_DIRS for part in folders)


def is_test_module(path: str) -> bool:
    """Whether a file is named as a module of tests pytest collects by default (``test_*.py``, ``*_test.py``)."""
    name = PurePosixPath(path).name
    return name.startswith("test_") or name.endswith("_test.py")


def role_of(path: str | None) -> str:
    """The role of a target-relative POSIX path; project-level findings (no path) count as production."""
    if path is None:
        return SOURCE
    if is_test_path(path):
        return TEST
    folders = PurePosixPath(path).parts[:-1]
    if folders and folders[0].lower() in SUPPORT_DIRS:
        return SUPPORT
    return SOURCE


GENERATED_MARKER = re.compile(r"DO NOT EDIT|@generated\b", re.IGNORECASE)
"""What the header of a generated file says (protoc, gRPC, Thrift, ``@generated`` tooling)."""
GENERATED_HEADER_LINES = 10
"""How many first lines of a file are read for that marker."""


def marks_generated(lines: Sequence[str]) -> bool:
    """Whether a file's header (its first lines' comments and docstring) says it is generated code."""
    return any(GENERATED_MARKER.search(line) for line in lines[:GENERATED_HEADER_LINES])


def finding_role(path: str | None, generated: bool) -> str:
    """The role a finding ranks in: its file's, with generated production code counted as support code."""
    role = role_of(path)
    return SUPPORT if role == SOURCE and generated else role
