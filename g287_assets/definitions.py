"""The g287 code location: every domain's assets, checks, jobs, sensors and schedules."""

import dagster as dg

from g287_assets.defs import checks, clean, ingest, publish, schedules, sensors
from g287_assets.defs.jobs import build_job
from g287_assets.defs.resources import default_resources

defs = dg.Definitions(
    assets=[
        ingest.file_imports,
        ingest.raw_rows,
        clean.clean_agreements,
        ingest.snapshots,
        publish.published_database,
    ],
    asset_checks=checks.CHECKS,
    jobs=[build_job, schedules.download_ice_lists_job],
    sensors=[sensors.inbox_sensor],
    schedules=[schedules.ice_download_schedule],
    resources=default_resources(),
)
