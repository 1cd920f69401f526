"""The batched event log: what a partitioned run leaves in it is what Dagster's own SQLite storage reads."""

from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from g287_assets.cli.build import DAGSTER_YAML, DAGSTER_YAML_V1, prepare_instance
from g287_assets.storage import BatchedSqliteEventLogStorage

KEYS = [f"2025-01-{day:02d}" for day in range(1, 8)]
parts = dg.DynamicPartitionsDefinition(name="snapshots")


@dg.asset(partitions_def=parts, backfill_policy=dg.BackfillPolicy.single_run())
def rows(context: dg.AssetExecutionContext) -> None:
    for key in context.partition_keys:
        context.add_asset_metadata({"key": key}, partition_key=key)


@dg.asset(deps=[rows])
def summary() -> None:
    pass


def batched_instance(home: Path):
    return dg.instance_for_test(
        temp_dir=str(home),
        overrides={
            "event_log_storage": {
                "module": "g287_assets.storage",
                "class": "BatchedSqliteEventLogStorage",
                "config": {"dagster_home": str(home)},
            }
        },
    )


def test_a_batched_run_reads_as_dagsters_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "500")
    with batched_instance(tmp_path) as instance:
        assert isinstance(instance.event_log_storage, BatchedSqliteEventLogStorage)
        instance.add_dynamic_partitions("snapshots", KEYS)
        job = dg.Definitions(assets=[rows, summary]).resolve_implicit_global_asset_job_def()
        tags = {"dagster/asset_partition_range_start": KEYS[1], "dagster/asset_partition_range_end": KEYS[-1]}
        assert job.execute_in_process(instance=instance, tags=tags).success
    plain = SqliteEventLogStorage(str(tmp_path / "history" / "runs"))
    assert plain.get_materialized_partitions(rows.key) == set(KEYS[1:])
    for key in KEYS[1:]:
        [record] = plain.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=rows.key, asset_partitions=[key]), limit=10
        ).records
        assert record.asset_materialization.metadata["key"].value == key
    # The asset table's latest materialization is the index's newest (Dagster orders a range's events itself).
    newest = plain.fetch_materializations(rows.key, limit=1).records[0]
    latest = plain.get_latest_materialization_events([rows.key, summary.key])
    assert latest[rows.key].asset_materialization.partition == newest.partition_key
    assert latest[summary.key] is not None


@pytest.mark.parametrize(
    ("written", "kept"),
    [(None, False), (DAGSTER_YAML_V1, False), (DAGSTER_YAML_V1 + "# mine\n", True)],
    ids=["new", "earlier version", "edited by hand"],
)
def test_the_instance_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written, kept) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    for name in ("DAGSTER_EVENT_BATCH_SIZE", "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"):
        monkeypatch.delenv(name, raising=False)  # set by prepare_instance, undone after the test
    config = tmp_path / "dagster.yaml"
    if written:
        config.write_text(written, encoding="utf-8")
    prepare_instance(SimpleNamespace(dagster_home=tmp_path))
    assert config.read_text(encoding="utf-8") == (written if kept else DAGSTER_YAML)
