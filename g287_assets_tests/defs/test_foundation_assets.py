"""The Dagster project: definitions load, the asset graph, the inbox sensor, and a materialization on small files."""

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from g287_assets.defs.clean import assets as clean
from g287_assets.defs.ingest import assets as ingest
from g287_assets.defs.ingest.sensors import inbox_sensor
from g287_assets.defs.publish.jobs import partition_range_tags
from g287_assets.defs.resources import G287Files, files_resource
from g287_assets.lib.settings import PROJECT_ROOT
from g287_assets.lib.snapshots.registry import register_folder, snapshot_records
from g287_assets_tests.workbooks import PENDING_HEADER, agreement, write_workbook

# The foundation's part of the asset graph: a change here should be deliberate.
FOUNDATION_ASSETS = {
    "raw/file_imports",
    "raw/rows",
    "clean/agreements",
    "raw/snapshots",
    "published_database",
}


def test_definitions_load_with_the_foundation_graph() -> None:
    from g287_assets.definitions import defs

    keys = {key.to_user_string() for asset in defs.assets for key in asset.keys}
    assert keys >= FOUNDATION_ASSETS
    assert defs.resolve_job_def("g287_build") is not None
    assert defs.resolve_sensor_def("inbox_sensor") is not None
    assert defs.resolve_schedule_def("ice_download_schedule") is not None
    published = defs.resolve_assets_def("published_database")
    upstream = {key.to_user_string() for key in published.dependency_keys}
    figures_and_files = {key for key in keys if key.startswith("outputs/")}
    assert figures_and_files, "the outputs group makes the map, charts and exports"
    assert keys - {"published_database"} - figures_and_files <= upstream
    assert not figures_and_files & upstream


def test_workspace_and_dg_name_the_same_code_location() -> None:
    workspace = (PROJECT_ROOT / "workspace.yaml").read_text()
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    assert "location_name: g287_assets" in workspace
    assert 'code_location_name = "g287_assets"' in pyproject


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("G287_DATA_DIR", str(tmp_path))
    return tmp_path


def test_sensor_registers_inbox_files_and_requests_one_run(data_dir: Path) -> None:
    inbox = data_dir / "inbox"
    write_workbook(inbox / "participatingAgencies03062025am.xlsx", [agreement("A County Sheriff's Office")])
    write_workbook(inbox / "participatingAgencies03072025am.xlsx", [agreement("B County Sheriff's Office")])
    (inbox / "participatingAgencies03082025am.xlsx").write_text("<html>error</html>")
    with dg.instance_for_test() as instance:
        result = inbox_sensor(
            dg.build_sensor_context(instance=instance, resources={"files": files_resource()})
        )
        assert isinstance(result, dg.SensorResult)
        (request,) = result.run_requests
        (partitions,) = result.dynamic_partitions_requests
        assert len(partitions.partition_keys) == 2
        assert request.tags == partition_range_tags(list(partitions.partition_keys))
        keys = list(partitions.partition_keys)
        instance.add_dynamic_partitions("snapshots", keys)
        # Until their rows are stored, the same snapshots are asked for again under the same run key,
        # which the daemon launches only once.
        again = inbox_sensor(
            dg.build_sensor_context(instance=instance, resources={"files": files_resource()})
        )
        assert [r.run_key for r in again.run_requests] == [request.run_key]
        assert again.dynamic_partitions_requests == []
        for key in keys:
            instance.report_runless_asset_event(dg.AssetMaterialization(["raw", "rows"], partition=key))
        built = inbox_sensor(
            dg.build_sensor_context(instance=instance, resources={"files": files_resource()})
        )
        assert isinstance(built, dg.SkipReason)


def materialize_archive(
    data_dir: Path, reference_dir: Path = PROJECT_ROOT / "data" / "reference"
) -> duckdb.DuckDBPyConnection:
    """Register the inbox and materialize the foundation assets for every snapshot, as one run."""
    register_folder(data_dir / "inbox", data_dir / "archive")
    keys = list(snapshot_records(data_dir / "archive"))
    resources = {
        "files": G287Files(data_dir=str(data_dir), reference_dir=str(reference_dir)),
        "duckdb": DuckDBResource(database=str(data_dir / "work.duckdb")),
    }
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("snapshots", keys)
        result = dg.materialize(
            [ingest.file_imports, ingest.raw_rows, clean.clean_agreements, ingest.snapshots],
            instance=instance,
            resources=resources,
            tags=partition_range_tags(keys),
        )
        assert result.success
        materialized = instance.get_materialized_partitions(dg.AssetKey(["raw", "rows"]))
        assert materialized == set(keys)
    return duckdb.connect(str(data_dir / "work.duckdb"), read_only=True)


def test_materialization_cleans_and_gates_small_lists(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    march = [agreement(f"{name} County Sheriff's Office") for name in ("Bexar", "Polk", "Harris")]
    write_workbook(inbox / "participatingAgencies03062025am.xlsx", march)
    write_workbook(
        inbox / "participatingAgencies03072025am.xlsx", [*march, agreement("Lee County Sheriff's Office")]
    )
    # The March 6 list again, saved anew (other bytes) under an April name: a stale re-publication.
    write_workbook(
        inbox / "participatingAgencies04212025am.xlsx", march, extra_sheets={"Sheet2": [["notes"]]}
    )
    # The pending list published under the participating name (ICE's swap of 2025-09-22).
    write_workbook(
        inbox / "participatingAgencies04222025am.xlsx",
        [["OHIO", "X Police Department", "Municipality", "Y County", "Task Force Model"]],
        PENDING_HEADER,
    )
    con = materialize_archive(tmp_path)
    snapshots = con.execute(
        "SELECT file_name, snapshot_date, list_kind, status, quality_reason, agreement_count "
        "FROM raw.snapshots ORDER BY snapshot_at"
    ).fetchall()
    assert [(row[0], row[2], row[3], row[5]) for row in snapshots] == [
        ("participatingAgencies03062025am.xlsx", "participating", "usable", 3),
        ("participatingAgencies03072025am.xlsx", "participating", "usable", 4),
        ("participatingAgencies04212025am.xlsx", "participating", "quarantined", 3),
        ("participatingAgencies04222025am.xlsx", "pending", "usable", 1),
    ]
    assert snapshots[0][1] == dt.date(2025, 3, 6)
    assert snapshots[2][4].startswith("republished: same agreements as the list of 2025-03-06")
    assert snapshots[3][4].startswith("swapped: named as the participating list but holds the pending list")
    assert con.execute("SELECT count(*) FROM clean.agreements").fetchone()[0] == 11
    assert con.execute("SELECT count(*) FROM raw.rows").fetchone()[0] == 11


def cleaned_at(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    return dict(con.execute("SELECT snapshot_key, cleaned_at FROM clean.cleaned_snapshots").fetchall())


def clean_again(data_dir: Path, reference_dir: Path) -> int:
    """Materialize only the clean step; returns how many snapshots it cleaned."""
    resources = {
        "files": G287Files(data_dir=str(data_dir), reference_dir=str(reference_dir)),
        "duckdb": DuckDBResource(database=str(data_dir / "work.duckdb")),
    }
    with dg.instance_for_test() as instance:
        result = dg.materialize([clean.clean_agreements], instance=instance, resources=resources)
    (materialization,) = result.asset_materializations_for_node("clean__agreements")
    return materialization.metadata["snapshots cleaned in this run"].value


def test_cleaning_is_redone_only_when_a_correction_changes(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write_workbook(
        inbox / "participatingAgencies03062025am.xlsx",
        [agreement("A County Sheriff's Office", state="TEXSA")],
    )
    write_workbook(inbox / "participatingAgencies03072025am.xlsx", [agreement("B County Sheriff's Office")])
    reference = tmp_path / "reference"
    shutil.copytree(PROJECT_ROOT / "data" / "reference", reference)
    con = materialize_archive(tmp_path, reference)
    assert con.execute("SELECT count(*) FROM clean.agreements WHERE state_code IS NULL").fetchone()[0] == 1
    con.close()
    assert clean_again(tmp_path, reference) == 0
    with (reference / "state_name_corrections.csv").open("a") as stream:
        stream.write("TEXSA,TX,typo seen in a test list\n")
    assert clean_again(tmp_path, reference) == 2
    con = duckdb.connect(str(tmp_path / "work.duckdb"), read_only=True)
    fixed = con.execute(
        "SELECT corrections FROM clean.agreements WHERE agency_name LIKE 'A County%'"
    ).fetchone()
    assert fixed == (["state_name_corrections:TEXSA"],)


def test_rerunning_the_same_partitions_is_idempotent(tmp_path: Path) -> None:
    write_workbook(
        tmp_path / "inbox" / "participatingAgencies03062025am.xlsx", [agreement("A County Sheriff's Office")]
    )
    materialize_archive(tmp_path).close()
    con = materialize_archive(tmp_path)
    assert con.execute("SELECT count(*) FROM clean.agreements").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM raw.snapshots").fetchone()[0] == 1


def test_scheduled_download_reads_the_mirror_and_skips_known_lists(
    data_dir: Path, source_mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from g287_assets.defs.ingest.schedules import download_ice_lists_job, ice_download_schedule

    monkeypatch.setenv("G287_SOURCE_MIRROR", str(source_mirror))
    assert ice_download_schedule.cron_schedule == "0 */3 * * *"
    assert download_ice_lists_job.execute_in_process(resources={"files": files_resource()}).success
    saved = sorted(path.name for path in (data_dir / "inbox").iterdir())
    assert saved == [
        "participatingAgencies_2026-05-18_am.xlsx",
        "participatingAgencies_2026-05-18_am.xlsx.json",
        "pendingAgencies_2026-02-27_am.xlsx",
        "pendingAgencies_2026-02-27_am.xlsx.json",
    ]
    register_folder(data_dir / "inbox", data_dir / "archive")
    for path in (data_dir / "inbox").iterdir():
        path.unlink()
    assert download_ice_lists_job.execute_in_process(resources={"files": files_resource()}).success
    assert list((data_dir / "inbox").iterdir()) == []
