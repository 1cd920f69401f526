"""The work the benchmark measures, each run in a child process so its peak memory is its own.

Each task prints one JSON object on its last line of output: the seconds of the measured work alone (no
interpreter start or imports) and what it found.

    python -m bench.tasks parse --reader g287 ARCHIVE_DIR
    python -m bench.tasks parse --reader calamine ARCHIVE_DIR
    python -m bench.tasks history SYNTHETIC.duckdb
    python -m bench.tasks sensor-run          # with G287_DATA_DIR and DAGSTER_HOME of a built data dir
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
from python_calamine import CalamineWorkbook

from bench.synthetic import truth_mismatches, truth_sizes
from g287_assets.lib.history.engine import MANUAL_LINK_COLUMNS, build_history
from g287_assets.lib.snapshots.xlsx import SpreadsheetError, read_table
from g287_assets.lib.warehouse.database import DUCKDB_CONFIG


def rows_by_g287(path: Path) -> int:
    """Rows of the ICE list as the pipeline reads it: list sheet, header check, cells as text, hyperlinks."""
    return len(read_table(path).rows)


def rows_by_calamine(path: Path) -> int:
    """Rows of every sheet as python-calamine returns them, with no interpretation: the floor to compare to."""
    workbook = CalamineWorkbook.from_path(str(path))
    return sum(len(workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names)


READERS: dict[str, tuple[Callable[[Path], int], tuple[type[Exception], ...]]] = {
    "g287": (rows_by_g287, (SpreadsheetError,)),
    # calamine raises several exception types for files that are not workbooks (CSV, HTML saved as .xlsx).
    "calamine": (rows_by_calamine, (Exception,)),
}


def parse_archive(reader: str, archive: Path) -> dict[str, float | int]:
    """Read every .xlsx below `archive`, as `g287 build --from` offers them; unreadable files are counted."""
    read, expected_errors = READERS[reader]
    files = sorted(archive.rglob("*.xlsx"))
    rows = failures = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for path in files:
        try:
            rows += read(path)
        except expected_errors:
            failures += 1
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "files": len(files),
        "unreadable": failures,
        "rows": rows,
    }


def rebuild_history(database: Path) -> dict[str, object]:
    """Run the history engine on a synthetic archive, then compare its tables with the archive's truth.

    The peak memory is read right after the rebuild, so the comparison queries do not count.
    """
    with duckdb.connect(str(database), config=DUCKDB_CONFIG) as con:
        started, cpu_started = time.perf_counter(), time.process_time()
        stats = build_history(con, pd.DataFrame(columns=list(MANUAL_LINK_COLUMNS)))
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "peak_mb": peak_mb,
            "agreements": stats.agreements,
            "ended": stats.ended,
            "corrected": stats.corrected,
            "truth": truth_sizes(con),
            "mismatches": truth_mismatches(con),
        }


def sensor_run() -> dict[str, object]:
    """What the UI does when a file lands in the inbox: one inbox_sensor tick, then the run it requests.

    The run covers only the new snapshot partitions (plus every unpartitioned asset downstream), unlike
    `g287 build`, which reruns every partition. Timed from the tick to the end of the publication step (the
    target's "file drop to published database"); the figures and exports made after it are timed apart.
    """
    import dagster as dg

    from g287_assets.definitions import defs
    from g287_assets.defs.ingest.sensors import inbox_sensor
    from g287_assets.defs.resources import files_resource

    instance = dg.DagsterInstance.get()
    started, started_epoch, cpu_started = time.perf_counter(), time.time(), time.process_time()
    tick = inbox_sensor(dg.build_sensor_context(instance=instance, resources={"files": files_resource()}))
    for request in tick.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    (run_request,) = tick.run_requests
    result = defs.resolve_job_def("g287_build").execute_in_process(
        instance=instance, tags={**run_request.tags, "g287/database": "work"}, raise_on_error=False
    )
    published = next(
        step.end_time
        for step in instance.get_run_step_stats(result.run_id)
        if step.step_key == "published_database"
    )
    return {
        "seconds": published - started_epoch,
        "seconds_whole_run": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "success": result.success,
        "partitions": [key for request in tick.dynamic_partitions_requests for key in request.partition_keys],
    }


def published_at() -> dict[str, object]:
    """When the newest run of the environment's data dir published its database (epoch seconds)."""
    import dagster as dg

    instance = dg.DagsterInstance.get()
    (run,) = instance.get_runs(limit=1)
    published = next(
        step.end_time
        for step in instance.get_run_step_stats(run.run_id)
        if step.step_key == "published_database"
    )
    return {"published_at": published, "run_id": run.run_id}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    tasks = parser.add_subparsers(dest="task", required=True)
    parse = tasks.add_parser("parse", help="read every spreadsheet of an archive")
    parse.add_argument("--reader", choices=sorted(READERS), required=True)
    parse.add_argument("archive", type=Path)
    history = tasks.add_parser("history", help="rebuild history on a synthetic archive and check its truth")
    history.add_argument("database", type=Path)
    tasks.add_parser(
        "sensor-run", help="one inbox sensor tick and its run, on the data dir of the environment"
    )
    tasks.add_parser("published-at", help="when the newest run of the environment's data dir published")
    args = parser.parse_args()
    if args.task == "parse":
        result = parse_archive(args.reader, args.archive)
    elif args.task == "history":
        result = rebuild_history(args.database)
    elif args.task == "published-at":
        result = published_at()
    else:
        result = sensor_run()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
