"""Sensors: every file dropped into the inbox becomes a snapshot partition and is built in one run."""

import dagster as dg

from g287_assets.defs.ingest import snapshot_partitions
from g287_assets.defs.jobs import build_job, partition_range_tags
from g287_assets.lib.registry import register_folder, snapshot_records
from g287_assets.lib.settings import paths_from_env
from g287_assets.lib.warehouse import build_running


def unbuilt_snapshot_keys(instance: dg.DagsterInstance, archive) -> list[str]:
    """Snapshots in the archive that are not yet partitions, in registration order."""
    known = set(instance.get_dynamic_partitions(snapshot_partitions.name))
    return [key for key in snapshot_records(archive) if key not in known]


@dg.sensor(
    job=build_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Registers every new file in the inbox (by content hash, so a re-upload under an old name is an alias), "
        "adds one partition per new snapshot and requests one run that builds them all and everything downstream."
    ),
)
def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    paths = paths_from_env()
    paths.inbox.mkdir(parents=True, exist_ok=True)
    records = register_folder(paths.inbox, paths.archive)
    for record in records:
        if record.outcome == "rejected":
            context.log.warning(f"rejected {record.file_name}: {record.reason}")
    new_keys = unbuilt_snapshot_keys(context.instance, paths.archive)
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
        dynamic_partitions_requests=[snapshot_partitions.build_add_request(new_keys)],
    )


defs = dg.Definitions(sensors=[inbox_sensor])
