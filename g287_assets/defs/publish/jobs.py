"""Jobs: the full build of every asset, run for a range of snapshot partitions in one run."""

import dagster as dg

BUILD_JOB = "g287_build"

build_job = dg.define_asset_job(
    BUILD_JOB,
    selection=dg.AssetSelection.all(),
    description="Everything: the given snapshot partitions, then every table downstream, then publication.",
    # One writer at a time: the instance's run queue limits runs carrying this tag to one.
    tags={"g287/database": "work"},
)


def partition_range_tags(keys: list[str]) -> dict[str, str]:
    """Tags that make one run cover a contiguous range of snapshot partitions."""
    return {
        "dagster/asset_partition_range_start": keys[0],
        "dagster/asset_partition_range_end": keys[-1],
    }
