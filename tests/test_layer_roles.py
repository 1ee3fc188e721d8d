"""Only production code is put in a critical layer by what it imports; examples and docs are not."""

from __future__ import annotations

import sys
from pathlib import Path

from riskaudit.discovery import Target, TargetFile
from riskaudit.layers import DEFAULT_LAYERS
from riskaudit.pipeline.collect import file_layers
from riskaudit.roles import is_test_path
from riskaudit.sources import build_index

USES_ORM = "from sqlalchemy.orm import Session\n\n\ndef save(session: Session) -> None:\n    session.commit()\n"
FILES = ("app/repository.py", "examples/demo/store.py", "docs_src/tutorial/tutorial001.py", "tests/test_store.py")


def test_layers_by_imports_for_production_code_only(tmp_path: Path) -> None:
    for path in FILES:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(USES_ORM, encoding="utf-8")
    target = Target(
        tmp_path, tuple(TargetFile(path, is_test_path(path)) for path in FILES), (), sys.executable, "test"
    )
    layers = file_layers(build_index(tmp_path, FILES), DEFAULT_LAYERS, target)
    assert layers.of("app/repository.py") is not None
    assert [path for path in FILES[1:] if path in layers.files] == []
