"""Files on disk: one content hash and one atomic write for the whole project.

Everything g287 writes for others to read (the archive's sidecars, downloads, the shipped history, exports,
figures, the report) goes through `write_atomically` or `write_atomically_with`: the bytes reach the disk
under a temporary name in the same folder and are renamed into place, so a reader sees the old file or the
new one, never half of one, and a failed write leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

_CHUNK_SIZE = 1 << 20


def file_sha256(path: Path) -> str:
    """The sha256 of a file on disk, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomically_with(path: Path, write: Callable[[Path], None]) -> None:
    """Let `write` fill a temporary file beside `path`, flush it to disk, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(descriptor)
    try:
        write(Path(temporary))
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide exports from other readers
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: bytes) -> None:
    """Write bytes atomically (see the module's docstring)."""
    write_atomically_with(path, lambda temporary: temporary.write_bytes(data))
