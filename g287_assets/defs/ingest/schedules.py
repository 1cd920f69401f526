"""Schedules: fetch ICE's current lists into the inbox; the inbox sensor takes it from there."""

import dagster as dg

from g287_assets.defs.resources import G287Files
from g287_assets.lib.snapshots.registry import load_imports
from g287_assets.lib.sources.download import download_current_lists


@dg.op(
    description="Download the participating and pending lists linked from ICE's 287(g) page into the inbox."
)
def download_ice_lists(context: dg.OpExecutionContext, files: G287Files) -> None:
    paths = files.paths
    paths.inbox.mkdir(parents=True, exist_ok=True)
    known = {record.sha256 for record in load_imports(paths.archive)}
    outcomes = download_current_lists(
        files.ice_page_url, paths.inbox, known_sha256=known.__contains__, mirror=files.mirror
    )
    for outcome in outcomes:
        context.log.info(f"{outcome.kind}: {outcome.status} {outcome.url} {outcome.reason or ''}".strip())
    refused = [outcome for outcome in outcomes if outcome.status == "refused"]
    if refused:
        raise dg.Failure(
            "ICE served files that are not lists: " + "; ".join(f"{o.url}: {o.reason}" for o in refused)
        )


@dg.job(description="Fetch ICE's current lists (or the mirror's newest ones when G287_SOURCE_MIRROR is set).")
def download_ice_lists_job() -> None:
    download_ice_lists()


ice_download_schedule = dg.ScheduleDefinition(
    name="ice_download_schedule",
    job=download_ice_lists_job,
    cron_schedule="0 */3 * * *",
    execution_timezone="America/New_York",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every three hours: ICE publishes several lists a day and overwrites each one.",
)
