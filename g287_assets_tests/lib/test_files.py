"""The one atomic write: all or nothing, on disk, readable by others."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from g287_assets.lib.files import file_sha256, write_atomically, write_atomically_with


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "exports" / "table.csv"
    write_atomically(target, b"old,rows\n")

    def half_then_fail(temporary: Path) -> None:
        temporary.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically_with(target, half_then_fail)
    assert target.read_bytes() == b"old,rows\n"
    assert sorted(path.name for path in target.parent.iterdir()) == ["table.csv"]


def test_a_written_file_is_readable_by_others_and_hashed_like_hashlib(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    write_atomically_with(target, lambda temporary: temporary.write_text("<p>g287</p>", encoding="utf-8"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert file_sha256(target) == hashlib.sha256(b"<p>g287</p>").hexdigest()
