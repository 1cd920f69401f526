"""Sensors: every file dropped into the inbox becomes a snapshot partition and is built in one run."""

from pathlib import Path

import dagster as dg

from g287_assets.defs.ingest.assets import snapshot_partitions
from g287_assets.defs.metadata import table_key
from g287_assets.defs.publish.jobs import BUILD_JOB, partition_range_tags
from g287_assets.defs.resources import G287Files
from g287_assets.lib.snapshots.registry import register_sources, snapshot_records
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import build_running


def snapshot_plan(instance: dg.DagsterInstance, archive: Path) -> tuple[list[str], list[str]]:
    """(partitions to add, partitions to build) for the snapshots in the archive.

    To add: registered snapshots that are not partitions yet. To build: the partitions whose raw rows were
    never stored, as one contiguous range of the partition order (a run covers a range), so a run after a
    failed one picks up what the failure left.
    """
    existing = instance.get_dynamic_partitions(snapshot_partitions.name)
    known = set(existing)
    to_add = [key for key in snapshot_records(archive) if key not in known]
    ordered = [*existing, *to_add]
    built = instance.get_materialized_partitions(table_key(catalog.RAW_ROWS))
    unbuilt = [index for index, key in enumerate(ordered) if key not in built]
    return to_add, ordered[unbuilt[0] : unbuilt[-1] + 1] if unbuilt else []


@dg.sensor(
    job_name=BUILD_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Registers every new file in the inbox (by content hash, so a re-upload under an old name is an alias), "
        "adds one partition per new snapshot and requests one run that builds them all and everything downstream."
    ),
)
def inbox_sensor(context: dg.SensorEvaluationContext, files: G287Files) -> dg.SensorResult | dg.SkipReason:
    paths = files.paths
    # An empty data dir starts from the shipped history, as `g287 build` does.
    records = register_sources(paths, [], files.shipped)
    for record in records:
        if record.outcome == "rejected":
            context.log.warning(f"rejected {record.file_name}: {record.reason}")
    to_add, new_keys = snapshot_plan(context.instance, paths.archive)
    if not new_keys:
        return dg.SkipReason(
            f"no new snapshot in {paths.inbox} ({len(records)} files seen for the first time)"
        )
    if build_running(paths.work_db):
        # A run launched now would meet `g287 build` at the working database's lock; the snapshots stay
        # registered and unbuilt, so a later tick requests them.
        return dg.SkipReason(f"`g287 build` is writing {paths.work_db}; {len(new_keys)} new snapshots wait")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(run_key="snapshots:" + ",".join(new_keys), tags=partition_range_tags(new_keys))
        ],
        dynamic_partitions_requests=[snapshot_partitions.build_add_request(to_add)] if to_add else [],
    )
