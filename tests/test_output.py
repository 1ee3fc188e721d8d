"""Reports and baselines are written like any other file: umask and modes kept, links and devices respected."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from riskaudit.output import write_atomic


@pytest.fixture()
def umask_022() -> Iterator[None]:
    """Run with the usual umask, whatever the test runner's is."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.usefixtures("umask_022")
def test_a_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    write_atomic(out, "# report\n")
    assert out.read_text(encoding="utf-8") == "# report\n"
    assert _mode(out) == 0o644


@pytest.mark.usefixtures("umask_022")
def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o640)
    write_atomic(out, "new\n")
    assert out.read_text(encoding="utf-8") == "new\n"
    assert _mode(out) == 0o640


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new\n"


def test_a_fifo_is_written_as_a_stream(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    write_atomic(fifo, "streamed\n")
    reader.join(timeout=30)
    assert received == ["streamed\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_dev_null_is_written_not_replaced() -> None:
    before = os.stat("/dev/null")
    write_atomic(Path("/dev/null"), "discarded\n")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
