"""mypy checks a module through its stub when the project ships one beside it (``x.pyi`` next to ``x.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

from riskaudit.catalogue import default_catalogue
from riskaudit.models import ToolStatus
from riskaudit.options import ScanOptions
from riskaudit.scan import scan

GENERATED = '"""Generated: its names are created at run time."""\n\nglobals().update({"Trial": dict})\n'
STUB = "class Trial:\n    def __init__(self, trial_id: int) -> None: ...\n"
USER = (
    '"""Uses the generated module."""\n\nfrom pkg import api_pb2\n\n\n'
    'def make() -> object:\n    """One message."""\n    return api_pb2.Trial(trial_id="x")\n'
)


def test_the_stub_beside_a_generated_module_is_what_mypy_checks(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text('"""Package."""\n')
    (tmp_path / "pkg" / "api_pb2.py").write_text(GENERATED)
    (tmp_path / "pkg" / "api_pb2.pyi").write_text(STUB)
    (tmp_path / "pkg" / "service.py").write_text(USER)
    result = scan(tmp_path, ScanOptions(python=sys.executable, use_cache=False), default_catalogue())
    mypy = result.run("mypy")
    assert mypy is not None and mypy.status is ToolStatus.OK
    # through the stub mypy knows Trial, and sees the wrong argument type, not a missing attribute
    messages = [(f.path, f.code) for f in mypy.findings]
    assert ("pkg/service.py", "arg-type") in messages
    assert not any(code == "attr-defined" for _, code in messages), messages
