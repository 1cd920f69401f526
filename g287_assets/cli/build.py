"""`g287 build`: a full headless build into data/g287.duckdb, sharing the UI's Dagster instance."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from g287_assets.cli import add_folders_argument
from g287_assets.lib.settings import (
    SHIPPED_DIR,
    Paths,
    fetch_before_build,
    ice_page_url,
    paths_from_env,
    shipped_history_enabled,
    source_mirror,
)
from g287_assets.lib.snapshots.registry import ImportRecord, known_contents, register_sources
from g287_assets.lib.snapshots.shipped import SOURCE_PREFIX, ShippedError, ShippedHistory
from g287_assets.lib.warehouse.database import build_lock

# Exit status when the data directory is busy: distinct from a failed build (1) and bad arguments (2).
ANOTHER_BUILD_RUNNING = 3

# The instance's settings as the first versions wrote them.
DAGSTER_YAML_V1 = """\
# Written by `g287 build`; the UI (`dagster dev`) uses the same instance when DAGSTER_HOME points here.
telemetry:
  enabled: false
concurrency:
  runs:
    tag_concurrency_limits:
      - key: g287/database
        limit: 1
"""

DAGSTER_YAML = (
    DAGSTER_YAML_V1
    + """\
# Dagster's SQLite event log in its usual files, written in batches (one event per snapshot partition).
event_log_storage:
  module: g287_assets.storage
  class: BatchedSqliteEventLogStorage
  config:
    dagster_home:
      env: DAGSTER_HOME
"""
)

# Settings written by earlier versions are brought up to date; a file edited by hand is left alone.
EARLIER_DAGSTER_YAMLS = (DAGSTER_YAML_V1,)


def prepare_instance(paths: Paths) -> None:
    """A persistent DAGSTER_HOME under the data dir, so the UI sees the command's runs and partitions."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(paths.dagster_home)))
    # Hundreds of snapshot partitions each log a materialization: writing them in batches saves most of
    # the event log's cost.
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "500")
    # One planned event for a run's range of snapshots, not one per snapshot (Dagster then does not mark
    # the range's partitions failed when the run fails; a later build still picks up the unbuilt ones).
    os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8") in EARLIER_DAGSTER_YAMLS:
        config.write_text(DAGSTER_YAML, encoding="utf-8")


def open_shipped(use_shipped: bool) -> ShippedHistory | None:
    """The project's shipped history, unless switched off (--no-shipped-history, G287_SHIPPED_HISTORY=off)."""
    if not (use_shipped and shipped_history_enabled()):
        return None
    return ShippedHistory(SHIPPED_DIR)


def fetch_current_lists(paths: Paths, shipped: ShippedHistory | None) -> None:
    """ICE's lists of today into the inbox, as the schedule fetches them (from the mirror when one is set).

    A failure is reported, not fatal: without the network the build goes on with the lists it has.
    """
    from g287_assets.lib.sources.download import DownloadError, download_current_lists

    paths.inbox.mkdir(parents=True, exist_ok=True)
    mirror = source_mirror()
    print(f"fetching ICE's current lists from {mirror or ice_page_url()} (--offline skips this) ...")
    try:
        outcomes = download_current_lists(
            ice_page_url(),
            paths.inbox,
            known_sha256=known_contents(paths.archive, shipped).__contains__,
            mirror=mirror,
        )
    except DownloadError as error:
        print(f"  could not fetch them ({error}); building from the lists already here")
        return
    for outcome in outcomes:
        print(f"  {outcome.kind}: {outcome.status} {outcome.url} {outcome.reason or ''}".rstrip())


def print_registration(records: list[ImportRecord]) -> None:
    from_shipped = [r for r in records if r.source_path.startswith(SOURCE_PREFIX)]
    if from_shipped:
        print(
            f"registered the shipped history: {sum(r.outcome == 'snapshot' for r in from_shipped)} lists "
            f"under {len(from_shipped)} names"
        )
        records = [r for r in records if not r.source_path.startswith(SOURCE_PREFIX)]
    outcomes = {
        outcome: sum(r.outcome == outcome for r in records) for outcome in ("snapshot", "alias", "rejected")
    }
    print(
        f"registered {len(records)} new files: {outcomes['snapshot']} snapshots, "
        f"{outcomes['alias']} aliases (same bytes under another name), {outcomes['rejected']} rejected"
    )
    for record in records:
        if record.outcome == "rejected":
            print(f"  rejected {record.source_path}: {record.reason}")


def print_summary(published: Path) -> None:
    import duckdb

    with duckdb.connect(str(published), read_only=True) as con:
        print("snapshots by kind and status:")
        for kind, status, count in con.execute(
            "SELECT list_kind, status, count(*) FROM raw.snapshots GROUP BY ALL ORDER BY ALL"
        ).fetchall():
            print(f"  {kind:<14} {status:<12} {count:>5}")
        newest = con.execute(
            """
            SELECT s.snapshot_date, s.snapshot_key, count(*) AS agreements,
                   count(DISTINCT (a.state_code, a.agency_key)) AS agencies
            FROM raw.usable_participating_lists s JOIN clean.agreements a USING (snapshot_key)
            GROUP BY ALL ORDER BY max(s.snapshot_at) DESC LIMIT 1
            """
        ).fetchone()
    if newest:
        day, key, agreements, agencies = newest
        print(f"newest usable list: {day} ({key}): {agreements} agreements, {agencies} agencies")
    print(f"published: {published}")


def build(sources: list[Path], full: bool = False, use_shipped: bool = True, offline: bool = False) -> int:
    paths = paths_from_env()
    for source in sources:
        if not source.is_dir():
            print(f"g287 build: --from {source}: no such folder", file=sys.stderr)
            return 2
    try:
        shipped = open_shipped(use_shipped)
    except ShippedError as error:
        print(f"g287 build: {error} (or build without it: --no-shipped-history)", file=sys.stderr)
        return 2
    prepare_instance(paths)
    with build_lock(paths.work_db) as obtained:
        if not obtained:
            print(
                "g287 build: another build is running on this data directory; try again when it ends",
                file=sys.stderr,
            )
            return ANOTHER_BUILD_RUNNING
        started = time.perf_counter()
        if not offline and fetch_before_build():
            fetch_current_lists(paths, shipped)
        records = register_sources(paths, sources, shipped)
        print_registration(records)
        return run_build(paths, started, full)


def run_build(paths: Paths, started: float, full: bool = False) -> int:
    """One Dagster run: the new snapshots' partitions (every partition with `full`), then everything downstream."""
    import dagster as dg

    from g287_assets.definitions import defs
    from g287_assets.defs.ingest.assets import snapshot_partitions
    from g287_assets.defs.ingest.sensors import snapshot_plan
    from g287_assets.defs.publish.jobs import partition_range_tags

    instance = dg.DagsterInstance.get()
    to_add, to_build = snapshot_plan(instance, paths.archive)
    if to_add:
        instance.add_dynamic_partitions(snapshot_partitions.name, to_add)
    partitions = instance.get_dynamic_partitions(snapshot_partitions.name)
    if not partitions:
        print(
            f"nothing to build: no ICE list in {paths.inbox} and no shipped history; add files there or pass "
            "--from DIR",
            file=sys.stderr,
        )
        return 1
    if full:
        to_build = list(partitions)
    job = defs.resolve_job_def("g287_build")
    options = {}
    if to_build:
        print(f"building {len(to_build)} of {len(partitions)} snapshots into {paths.published_db} ...")
        options["tags"] = {**partition_range_tags(to_build), "g287/database": "work"}
    else:
        # No new list: the tables downstream are recomputed (a corrected reference table takes effect).
        print(f"no new snapshot; rebuilding the tables of {len(partitions)} snapshots ...")
        options["asset_selection"] = [
            key for asset in defs.assets or [] if asset.partitions_def is None for key in asset.keys
        ]
    result = job.execute_in_process(
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        raise_on_error=False,
        **options,
    )
    if not result.success:
        print("g287 build failed; the published database was left as it was.", file=sys.stderr)
        return 1
    print(f"built in {time.perf_counter() - started:.1f} s")
    print_summary(paths.published_db)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "build", help="register new ICE files and build everything into data/g287.duckdb"
    )
    add_folders_argument(parser, "also import every file below DIR (recursively); may be repeated")
    parser.add_argument(
        "--full",
        action="store_true",
        help="read every snapshot's file again, not only new ones (after a change to how files are read)",
    )
    parser.add_argument(
        "--no-shipped-history",
        dest="use_shipped",
        action="store_false",
        help="start from the given files only, not the history the project ships (as G287_SHIPPED_HISTORY=off)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="do not fetch ICE's current lists before building (as G287_FETCH=off)",
    )
    parser.set_defaults(
        run=lambda args: build(
            args.sources, full=args.full, use_shipped=args.use_shipped, offline=args.offline
        )
    )
