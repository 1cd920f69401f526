"""Measure g287 against its performance targets (docs ARCHITECTURE.md, "Targets") and print one table.

    python -m bench.run                      # everything, 3 runs of each (the full build too)
    python -m bench.run --quick              # builds and history once; parsing still 3 runs
    python -m bench.run --only parse,build   # a subset: parse, shipped, build, snapshot, scale

Every measurement runs in a child process: wall seconds are timed here, peak memory is the child's own
maximum resident set (os.wait4), and the median of the runs is reported. Nothing here runs in the tests.

  parse     every .xlsx of the archive read with g287's reader (read_table) and with bare python-calamine
  shipped   `g287 build --offline` into an empty data dir with no mirror: a fresh clone's first build,
            from the history the project ships
  build     `g287 build --no-shipped-history --from ARCHIVE` into an empty data dir: registration, the
            Dagster run, publication; then the same data dir rebuilt after one reference CSV changed
  snapshot  after a full build, one new list dropped into the inbox and `g287 build` run again, and the
            same through one sensor tick and its run
  scale     a synthetic archive (default 10,000 lists x 2,000 rows) and the history engine rebuilt on it,
            its cancellations, corrections, gaps and active agreements compared with the archive's truth
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MIRROR = PROJECT_ROOT.parent / "shared" / "data"
STEPS = ("parse", "shipped", "build", "snapshot", "scale")
# The targets of ARCHITECTURE.md ("Targets"), for a 2-core machine and the whole process.
SHIPPED_SECONDS_LIMIT = 20
BUILD_SECONDS_LIMIT = 15
BUILD_PARSE_RATIO_LIMIT = 5
BUILD_MEMORY_LIMIT_MB = 1024
REFERENCE_SECONDS_LIMIT = 10
SNAPSHOT_SECONDS_LIMIT = 8
SENSOR_SECONDS_LIMIT = 5
HISTORY_SECONDS_LIMIT = 30
HISTORY_MEMORY_LIMIT_MB = 2048
# A correction row that matches no agency: the reference tables' hash changes, nothing else does.
REFERENCE_EDIT = (
    "agency_name_corrections.csv",
    "TX,Nowhere Police Dept,Nowhere Police Department,benchmark edit: names no listed agency\n",
)
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?(?:/>|>.*?</(?:\w+:)?row>)", re.DOTALL)
_WORKSHEET = re.compile(r"^xl/worksheets/sheet\d+\.xml$")


@dataclass
class Sample:
    """One child process: wall and CPU seconds, peak resident memory, and the JSON result it printed.

    CPU seconds (user + system, all threads) tell the work apart from waiting on a busy machine.
    """

    seconds: float
    cpu_seconds: float
    peak_mb: float
    result: dict = field(default_factory=dict)


@dataclass
class Measure:
    """The samples of one line of the table, and what that line is held to."""

    label: str
    samples: list[Sample]
    target: str = ""
    met: bool | None = None

    @property
    def seconds(self) -> float:
        return statistics.median(sample.seconds for sample in self.samples)

    @property
    def cpu_seconds(self) -> float:
        return statistics.median(sample.cpu_seconds for sample in self.samples)

    @property
    def peak_mb(self) -> float:
        return statistics.median(sample.peak_mb for sample in self.samples)


def run_child(command: Sequence[str], env: dict[str, str] | None = None, log: Path | None = None) -> Sample:
    """Run a command to its end; time it and take its peak memory (its own and its children's)."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode(errors="replace")
    if log is not None:
        log.write_text(text, encoding="utf-8")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{text[-3000:]}")
    sample = Sample(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, last_json(text))
    if "seconds" in sample.result:  # a task that timed its own work, without interpreter start and imports
        sample.seconds, sample.cpu_seconds = sample.result["seconds"], sample.result["cpu_seconds"]
    return sample


def last_json(text: str) -> dict:
    """The JSON object a task prints on its last line; empty for commands that print none."""
    lines = text.strip().splitlines()
    if lines and lines[-1].startswith("{"):
        return json.loads(lines[-1])
    return {}


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def measure_parse(archive: Path, runs: int) -> list[Measure]:
    """Time to read every file (timed by the task itself: interpreter start and imports do not count)."""
    measures = []
    for reader, label in (("g287", "g287 read_table"), ("calamine", "bare python-calamine")):
        command = python_module("bench.tasks", "parse", "--reader", reader, str(archive))
        samples = [run_child(command) for _ in range(runs)]
        found = samples[0].result
        measures.append(
            Measure(f"(a) parse {found['files']} files, {label} ({found['unreadable']} unreadable)", samples)
        )
    return measures


def build_environment(data_dir: Path, mirror: Path | None) -> dict[str, str]:
    """A data dir of its own; builds take no shipped history and fetch nothing unless a measure says so."""
    environment = {
        **os.environ,
        "G287_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(data_dir / "dagster_home"),
        "G287_SHIPPED_HISTORY": "off",
        "G287_FETCH": "off",
    }
    environment.pop("G287_SOURCE_MIRROR", None)
    if mirror is not None:
        environment["G287_SOURCE_MIRROR"] = str(mirror)
    return environment


def measure_shipped(work: Path, runs: int) -> Measure:
    """A fresh clone's first build: the shipped history alone, no mirror, no network, empty data dir."""
    samples = []
    for number in range(runs):
        data_dir = work / f"shipped-{number}"
        data_dir.mkdir(parents=True)
        environment = build_environment(data_dir, None) | {"G287_SHIPPED_HISTORY": "on"}
        command = python_module("g287_assets.cli", "build", "--offline")
        samples.append(run_child(command, environment, log=work / f"shipped-{number}.log"))
    return Measure("(f) first build of a fresh clone, shipped history", samples)


def full_build(archive: Path, mirror: Path, data_dir: Path) -> Sample:
    """`g287 build --no-shipped-history --from ARCHIVE` into `data_dir`, which must not exist yet."""
    data_dir.mkdir(parents=True)
    command = python_module("g287_assets.cli", "build", "--no-shipped-history", "--from", str(archive))
    return run_child(
        command, build_environment(data_dir, mirror), log=data_dir.parent / f"{data_dir.name}.log"
    )


def measure_builds(archive: Path, mirror: Path, work: Path, runs: int) -> tuple[list[Measure], Path]:
    """Full builds, each into a fresh data dir, then a rebuild of each after one reference CSV changed;
    returns the measures and the last data dir."""
    builds, rebuilds, data_dir = [], [], work
    for number in range(runs):
        data_dir = work / f"build-{number}"
        builds.append(full_build(archive, mirror, data_dir))
        rebuilds.append(rebuild_after_reference_edit(data_dir, mirror))
    return [
        Measure("(b) full build of the xlsx archive, empty data dir", builds),
        Measure("(r) rebuild after editing one reference CSV", rebuilds),
    ], data_dir


def rebuild_after_reference_edit(data_dir: Path, mirror: Path) -> Sample:
    """`g287 build` with nothing new after a row was added to a copy of the reference tables."""
    reference = data_dir / "reference"
    shutil.copytree(PROJECT_ROOT / "data" / "reference", reference)
    name, row = REFERENCE_EDIT
    with (reference / name).open("a", encoding="utf-8") as stream:
        stream.write(row)
    environment = build_environment(data_dir, mirror) | {"G287_REFERENCE_DIR": str(reference)}
    command = python_module("g287_assets.cli", "build")
    sample = run_child(command, environment, log=data_dir.parent / f"{data_dir.name}-reference.log")
    shutil.rmtree(reference)  # later builds of this data dir use the project's tables again
    return sample


def newest_usable_list(published: Path, archive: Path) -> tuple[Path, dt.date]:
    """The archive file of the newest usable participating list, and its date."""
    with duckdb.connect(str(published), read_only=True) as con:
        name, day = con.execute(
            """
            SELECT file_name, snapshot_date FROM raw.snapshots
            WHERE list_kind = 'participating' AND status = 'usable'
            ORDER BY snapshot_at DESC LIMIT 1
            """
        ).fetchall()[0]
    return next(archive.rglob(name)), day


def list_without_last_rows(source: Path, target: Path, dropped: int) -> None:
    """A copy of an ICE workbook whose list lacks its last `dropped` rows: a new list, as if agreements ended."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            content = old.read(info)
            if _WORKSHEET.match(info.filename):
                content = without_last_rows(content, dropped)
            new.writestr(info, content, compress_type=info.compress_type)


def without_last_rows(sheet: bytes, dropped: int) -> bytes:
    """Sheet XML without its last `dropped` rows that hold a value."""
    filled = [
        match for match in _ROW.finditer(sheet) if b"<v>" in match.group(0) or b"<is>" in match.group(0)
    ]
    for match in reversed(filled[-dropped:]):
        sheet = sheet[: match.start()] + sheet[match.end() :]
    return sheet


def measure_new_snapshots(data_dir: Path, archive: Path, mirror: Path, runs: int) -> list[Measure]:
    """Drop one new list into the inbox of a built data dir and rebuild, `runs` times in a row, two ways.

    First with `g287 build` (timed to publication, then to its end), then as the UI does it: an inbox_sensor tick
    and the run it requests (only the new partition, then everything downstream). Each new list is the
    newest real one, dated one more day later and lacking one more row, so each is a distinct usable
    snapshot that passes the quality gates.
    """
    source, newest_day = newest_usable_list(data_dir / "g287.duckdb", archive)
    ways = (
        ("(c) one new snapshot, `g287 build`, inbox to published", python_module("g287_assets.cli", "build")),
        (
            "(c) one new snapshot, sensor tick to published",
            python_module("bench.tasks", "sensor-run"),
        ),
    )
    measures, whole, number = [], [], 0
    for label, command in ways:
        samples = []
        for _ in range(runs):
            number += 1
            day = newest_day + dt.timedelta(days=number)
            new_list = data_dir / "inbox" / f"participatingAgencies_{day.isoformat()}_am.xlsx"
            list_without_last_rows(source, new_list, number)
            log = data_dir.parent / f"{data_dir.name}-snapshot-{number}.log"
            started_epoch = time.time()
            sample = run_child(command, build_environment(data_dir, mirror), log=log)
            if "sensor" not in label:
                # The command goes on to the figures and the report after publishing: both times are kept.
                whole.append(Sample(sample.seconds, sample.cpu_seconds, sample.peak_mb))
                published = run_child(
                    python_module("bench.tasks", "published-at"), build_environment(data_dir, mirror)
                )
                sample.seconds = published.result["published_at"] - started_epoch
            samples.append(sample)
        measures.append(Measure(label, samples))
    measures.append(Measure("    the same `g287 build`, to its end (figures, exports, report)", whole))
    return measures


def measure_scale(snapshots: int, rows: int, work: Path, runs: int) -> list[Measure]:
    """Generate the synthetic archive once, then rebuild its history `runs` times (each on a fresh copy)."""
    database = work / f"synthetic-{snapshots}x{rows}.duckdb"
    arguments = ["--snapshots", str(snapshots), "--rows", str(rows), "--out", str(database)]
    generated = run_child(python_module("bench.synthetic", *arguments))
    samples = []
    for _ in range(runs):
        copy = database.with_name("history-" + database.name)
        shutil.copyfile(database, copy)
        sample = run_child(python_module("bench.tasks", "history", str(copy)))
        sample.peak_mb = sample.result["peak_mb"]
        samples.append(sample)
        copy.unlink()
    return [
        Measure(f"    generate synthetic archive {snapshots:,} x {rows:,}", [generated]),
        Measure(f"(s) history rebuilt on {snapshots:,} lists x {rows:,} rows", samples),
    ]


def judge(measures: dict[str, list[Measure]], scale_shape: tuple[int, int]) -> list[str]:
    """Mark each measure against its target; return notes (ratio, truth) printed under the table."""
    notes = []
    parse_floor = next((m for m in measures.get("parse", []) if "calamine" in m.label), None)
    for shipped in measures.get("shipped", []):
        shipped.target = f"<= {SHIPPED_SECONDS_LIMIT} s"
        shipped.met = shipped.seconds <= SHIPPED_SECONDS_LIMIT
    builds = measures.get("build", [])
    for build in builds[:1]:
        build.target = f"<= {BUILD_SECONDS_LIMIT} s, <= {BUILD_MEMORY_LIMIT_MB} MB"
        build.met = build.seconds <= BUILD_SECONDS_LIMIT and build.peak_mb <= BUILD_MEMORY_LIMIT_MB
        if parse_floor is not None:
            ratio = build.seconds / parse_floor.seconds
            build.target += f", <= {BUILD_PARSE_RATIO_LIMIT}x parse"
            build.met = build.met and ratio <= BUILD_PARSE_RATIO_LIMIT
            notes.append(
                f"full build / bare calamine parse = {ratio:.1f}x (target <= {BUILD_PARSE_RATIO_LIMIT}x)"
            )
    for rebuild in builds[1:]:
        rebuild.target = f"<= {REFERENCE_SECONDS_LIMIT} s"
        rebuild.met = rebuild.seconds <= REFERENCE_SECONDS_LIMIT
    for snapshot in (m for m in measures.get("snapshot", []) if m.label.startswith("(c)")):
        limit = SENSOR_SECONDS_LIMIT if "sensor" in snapshot.label else SNAPSHOT_SECONDS_LIMIT
        snapshot.target = f"<= {limit} s"
        snapshot.met = snapshot.seconds <= limit
    for history in measures.get("scale", [])[1:]:
        mismatches = history.samples[0].result["mismatches"]
        truth = history.samples[0].result["truth"]
        matched = not any(mismatches.values())
        history.target = f"<= {HISTORY_SECONDS_LIMIT} s, <= {HISTORY_MEMORY_LIMIT_MB} MB, truth"
        history.met = (
            history.seconds <= HISTORY_SECONDS_LIMIT
            and history.peak_mb <= HISTORY_MEMORY_LIMIT_MB
            and matched
        )
        checked = ", ".join(f"{name} {truth[name]:,} ({mismatches[name]} off)" for name in truth)
        notes.append(
            f"truth at {scale_shape[0]:,} x {scale_shape[1]:,}: {'matched' if matched else 'MISSED'}: {checked}"
        )
    return notes


def table(measures: dict[str, list[Measure]], notes: list[str]) -> str:
    """The report: one line per measure with runs, median seconds, median peak memory and the verdict."""
    lines = [
        machine(),
        f"{'measure':<58} {'runs':>4} {'median s':>9} {'cpu s':>7} {'peak MB':>8}  {'target':<36} verdict",
    ]
    for step in STEPS:
        for m in measures.get(step, []):
            verdict = "" if m.met is None else ("met" if m.met else "MISSED")
            lines.append(
                f"{m.label:<58} {len(m.samples):>4} {m.seconds:>9.1f} {m.cpu_seconds:>7.1f} {m.peak_mb:>8.0f}"
                f"  {m.target:<36} {verdict}"
            )
    return "\n".join(lines + notes)


def machine() -> str:
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores, {memory_gb:.0f} GB, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, load average at the end {load}"
    )


def progress(done: list[Measure]) -> list[Measure]:
    """Show each measure on stderr as soon as it is taken; a full run lasts many minutes."""
    for m in done:
        print(f"measured: {m.label}: {m.seconds:.1f} s, {m.peak_mb:.0f} MB", file=sys.stderr, flush=True)
    return done


def scale_shape(text: str) -> tuple[int, int]:
    snapshots, rows = text.lower().split("x")
    return int(snapshots), int(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_MIRROR / "ice", help="the ICE files to build")
    parser.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR, help="G287_SOURCE_MIRROR for builds")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure (median reported)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one run of each build (full, new snapshot) and of the history rebuild",
    )
    parser.add_argument(
        "--only", default=",".join(STEPS), help=f"comma-separated subset of {', '.join(STEPS)}"
    )
    parser.add_argument("--scale", type=scale_shape, default=(10_000, 2_000), help="synthetic LISTSxROWS")
    parser.add_argument(
        "--work-dir", type=Path, help="where data dirs and logs go (default: a temp dir, removed)"
    )
    parser.add_argument("--json", type=Path, help="also write the samples as JSON to this file")
    args = parser.parse_args()
    steps = [step.strip() for step in args.only.split(",")]
    heavy_runs = 1 if args.quick else args.runs

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="g287-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    measures: dict[str, list[Measure]] = {}
    try:
        if "parse" in steps:
            measures["parse"] = progress(measure_parse(args.archive, args.runs))
        if "shipped" in steps:
            measures["shipped"] = progress([measure_shipped(work, heavy_runs)])
        if "build" in steps or "snapshot" in steps:
            try:
                builds, data_dir = measure_builds(args.archive, args.mirror, work, heavy_runs)
                if "build" in steps:
                    measures["build"] = progress(builds)
                if "snapshot" in steps:
                    measures["snapshot"] = progress(
                        measure_new_snapshots(data_dir, args.archive, args.mirror, heavy_runs)
                    )
            except RuntimeError as failure:  # a failing build is reported; the other measures still run
                print(f"not measured: {str(failure)[-2000:]}", file=sys.stderr, flush=True)
        if "scale" in steps:
            measures["scale"] = progress(measure_scale(*args.scale, work, heavy_runs))
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(table(measures, judge(measures, args.scale)))
    if args.json:
        samples = {m.label: [vars(s) for s in m.samples] for ms in measures.values() for m in ms}
        args.json.write_text(json.dumps(samples, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
