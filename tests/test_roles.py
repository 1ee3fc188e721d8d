"""What a file is for: production, test or support code, told apart by its path."""

from __future__ import annotations

import pytest

from riskaudit.models import Finding, Severity
from riskaudit.ranking import rank
from riskaudit.roles import SOURCE, SUPPORT, TEST, role_of


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("app/db/session.py", SOURCE),
        ("src/pkg/core.py", SOURCE),
        ("tests/test_api.py", TEST),
        ("app/tests/helpers.py", TEST),
        ("pkg/conftest.py", TEST),
        ("pkg/api_test.py", TEST),
        ("docs/src/cookbook.py", SUPPORT),
        ("examples/sqlalchemy/app/db.py", SUPPORT),
        ("tools/prepare_release.py", SUPPORT),
        ("scripts/migrate_data.py", SUPPORT),
        ("benchmarks/run.py", SUPPORT),
        # a documentation snippet showing a test documents; it is not the project's suite
        ("docs/snippets/testing/fixture.py", SUPPORT),
        ("examples/app/tests/test_app.py", SUPPORT),
        # a package's own subpackage named like a support folder is production code
        ("app/tools/export.py", SOURCE),
        ("pkg/docs.py", SOURCE),
        (None, SOURCE),
    ],
)
def test_role_of(path: str | None, role: str) -> None:
    assert role_of(path) == role


def test_production_code_ranks_before_tests_and_support_code() -> None:
    def finding(path: str, risk: float, role: str) -> Finding:
        return Finding("RA101", Severity.CRITICAL, path, 1, "m", ("mypy:x",), risk=risk, role=role)

    findings = [finding("tests/t.py", 150, TEST), finding("tools/x.py", 190, SUPPORT), finding("app/a.py", 30, SOURCE)]
    ordered = rank(findings)
    assert [f.path for f in ordered] == ["app/a.py", "tests/t.py", "tools/x.py"]
