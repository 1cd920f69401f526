"""`g287 build` killed at any step, run twice at once, and read while it publishes: nothing is lost.

Real processes, real signals: the build runs as the README's command in a subprocess on a small folder of
real ICE files (plus bad ones), and is SIGKILLed after registration and in the middle of its Dagster run.
The published database starts as a marked file so any change to it is visible.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from g287_assets.cli.build import ANOTHER_BUILD_RUNNING
from g287_assets.defs.resources import WarehouseDatabase, default_resources
from g287_assets.lib.settings import Paths
from g287_assets.lib.snapshots.registry import MANIFEST_NAME, load_imports, read_archived, register_folder
from g287_assets.lib.warehouse.database import BUILD_LOCK_NAME, build_lock, publish
from g287_assets_tests.workbooks import agreement, write_workbook

# The preset scenarios start from the list of 2025-02-21, so the build needs one on or before that day.
REAL_LIST = "participatingAgencies_2025-02-21_wb214937.xlsx"
BUILD_TIMEOUT = 240


class Build:
    """One `g287 build` subprocess in its own process group, its output lines collected as they come."""

    def __init__(self, data_dir: Path, source: Path, mirror: Path) -> None:
        env = {
            **os.environ,
            "G287_DATA_DIR": str(data_dir),
            "DAGSTER_HOME": str(data_dir / "dagster_home"),
            "G287_SOURCE_MIRROR": str(mirror),
            "PYTHONUNBUFFERED": "1",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "g287_assets.cli", "build", "--from", str(source)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.collector = threading.Thread(target=self._collect, daemon=True)
        self.collector.start()

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, pattern: str, timeout: float = BUILD_TIMEOUT) -> str:
        """Block until an output line matches, and return it; fail with the output so far if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            self.output.append(line)
            if re.search(pattern, line):
                return line
        pytest.fail(f"no line matching {pattern!r}; output:\n{''.join(self.output)[-4000:]}")

    def kill(self) -> None:
        """SIGKILL the build and everything it started: no handler, no cleanup, as in a crash."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def finish(self) -> int:
        code = self.process.wait(timeout=BUILD_TIMEOUT)
        self.collector.join(timeout=10)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lock_is_free(data_dir: Path) -> bool:
    """Whether this process can take the build lock at once (a stale lock would make this False)."""
    with (data_dir / "work" / BUILD_LOCK_NAME).open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(lock, fcntl.LOCK_UN)
        return True


@pytest.fixture
def source(source_mirror: Path, tmp_path: Path) -> Path:
    """A real list, an HTML error page, a header-only list and a list named for the year 3025."""
    folder = tmp_path / "source"
    folder.mkdir()
    shutil.copy(source_mirror / "ice" / REAL_LIST, folder / REAL_LIST)
    (folder / "participatingAgencies03102025am.xlsx").write_bytes(b"<html><body>Access Denied</body></html>")
    write_workbook(folder / "participatingAgencies03072025am.xlsx", [])
    write_workbook(folder / "pendingAgencies03083025am.xlsx", [agreement("Polk County Sheriff's Office")[:5]])
    return folder


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data dir whose published database is a marked file, as left by an earlier build."""
    data = tmp_path / "data"
    earlier = tmp_path / "earlier.duckdb"
    with duckdb.connect(str(earlier)) as con:
        con.execute("CREATE TABLE published_marker AS SELECT 'published before the crashes' AS note")
    data.mkdir()
    publish(earlier, data / "g287.duckdb")
    return data


def test_kills_at_any_step_a_second_build_and_a_reader_lose_nothing(
    source: Path, data_dir: Path, source_mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = data_dir / "g287.duckdb"
    marked = sha256_of(published)

    # 1. Killed right after registration: the files are archived, the published database untouched.
    build = Build(data_dir, source, source_mirror)
    build.wait_for(r"^registered 4 new files: 3 snapshots, 0 aliases .*, 1 rejected")
    build.kill()
    assert sha256_of(published) == marked
    assert lock_is_free(data_dir)
    manifest = (data_dir / "archive" / MANIFEST_NAME).read_bytes()
    assert len(load_imports(data_dir / "archive")) == 4

    # 2. Killed in the middle of its Dagster run, while a second build and the sensor try their luck.
    build = Build(data_dir, source, source_mirror)
    build.wait_for(r"^registered 0 new files")
    build.wait_for(r"raw__rows - stored \d+ raw rows")
    second = Build(data_dir, source, source_mirror)
    assert second.finish() == ANOTHER_BUILD_RUNNING
    assert "another build is running on this data directory" in "".join(second.output)
    assert_sensor_waits_for_the_build(data_dir, monkeypatch)
    build.kill()
    assert sha256_of(published) == marked
    assert lock_is_free(data_dir)
    assert (data_dir / "archive" / MANIFEST_NAME).read_bytes().startswith(manifest)

    # 3. A reader holds the published file open while the next build completes and publishes.
    reader = ReaderProcess(published)
    assert reader.query() == "published before the crashes"
    build = Build(data_dir, source, source_mirror)
    assert build.finish() == 0, "".join(build.output)[-4000:]
    assert reader.query() == "published before the crashes"
    reader.close()
    assert_published_build(published)

    # 4. The archive verifies on read, and importing the same folder again changes nothing.
    for record in load_imports(data_dir / "archive"):
        if record.outcome == "snapshot":
            assert sha256_of(read_archived(data_dir / "archive", record.sha256)) == record.sha256
    manifest = (data_dir / "archive" / MANIFEST_NAME).read_bytes()
    assert register_folder(source, data_dir / "archive") == []
    assert (data_dir / "archive" / MANIFEST_NAME).read_bytes() == manifest


def assert_sensor_waits_for_the_build(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sensor registers a dropped file (files only, under the archive's lock) but launches no run."""
    from g287_assets.defs.ingest.sensors import inbox_sensor
    from g287_assets.defs.resources import files_resource

    monkeypatch.setenv("G287_DATA_DIR", str(data_dir))
    write_workbook(data_dir / "inbox" / "participatingAgencies03112025am.xlsx", [agreement("Lee County SO")])
    with dg.instance_for_test() as instance:
        result = inbox_sensor(
            dg.build_sensor_context(instance=instance, resources={"files": files_resource()})
        )
    assert isinstance(result, dg.SkipReason)
    assert "`g287 build` is writing" in result.skip_message
    assert any(
        r.file_name == "participatingAgencies03112025am.xlsx" for r in load_imports(data_dir / "archive")
    )


def assert_published_build(published: Path) -> None:
    """The new file holds the build: the real list usable, the bad lists quarantined with their reasons."""
    with duckdb.connect(str(published), read_only=True) as con:
        statuses = dict(
            con.execute(
                "SELECT file_name, status || ': ' || coalesce(quality_reason, '') FROM raw.snapshots"
            ).fetchall()
        )
        rejected = con.execute(
            "SELECT file_name, reason FROM raw.file_imports WHERE outcome = 'rejected'"
        ).fetchall()
    assert statuses[REAL_LIST].startswith("usable")
    assert statuses["participatingAgencies03072025am.xlsx"].startswith("quarantined: empty")
    assert "3025" in statuses["pendingAgencies03083025am.xlsx"]
    assert rejected == [
        ("participatingAgencies03102025am.xlsx", "not an xlsx workbook (content looks like html)")
    ]


class ReaderProcess:
    """Another process holding a read-only DuckDB connection open, queried on demand through its stdin."""

    SCRIPT = (
        "import sys, duckdb\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "for _ in sys.stdin:\n"
        "    print(con.execute('SELECT note FROM published_marker').fetchone()[0], flush=True)\n"
    )

    def __init__(self, database: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", self.SCRIPT, str(database)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def query(self) -> str:
        self.process.stdin.write("query\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0


@dg.asset
def _writes_a_table(duckdb: DuckDBResource) -> None:
    with duckdb.get_connection() as con:
        con.execute("CREATE OR REPLACE TABLE written AS SELECT 1 AS one")


def test_a_run_from_the_ui_waits_for_the_writer_then_fails_saying_why(tmp_path: Path) -> None:
    """Every run holds the lock through its database resource, not only `g287 build`: a run started while
    another process writes waits, then fails with the reason, and the database is left untouched."""
    paths = Paths(data_dir=tmp_path, reference_dir=tmp_path / "reference")
    resources = {
        **default_resources(paths),
        "duckdb": WarehouseDatabase(database=str(paths.work_db), lock_wait_seconds=1),
    }
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(paths.work_db.parent / BUILD_LOCK_NAME)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        blocked = dg.materialize([_writes_a_table], resources=resources, raise_on_error=False)
    finally:
        holder.kill()
        holder.wait()
    assert not blocked.success
    said = " ".join(f"{event.message} {event.event_specific_data}" for event in blocked.all_events)
    assert f"another build is writing {paths.work_db}" in said
    assert not paths.work_db.exists()
    # Once the writer is gone, the same run goes through; inside a held lock (as in `g287 build`) too.
    with build_lock(paths.work_db) as obtained:
        assert obtained
        assert dg.materialize([_writes_a_table], resources=resources).success
    assert lock_is_free(tmp_path)


HOLD_LOCK = """
import fcntl, sys, time
lock = open(sys.argv[1], "w")
fcntl.flock(lock, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""
