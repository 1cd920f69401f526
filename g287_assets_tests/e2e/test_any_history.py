"""Any user, any history: a fresh clone builds from what the project ships, and a small archive builds too.

- A build with no mirror, no network and nothing but the project (the shipped history) equals, table by
  public table, the build of the whole xlsx archive.
- A folder of three lists (March 2026) builds: the presets dated before it are recorded as not applicable,
  with the reason, and the tables are published.
- The UI's path from an empty data dir: the scheduled download, a sensor tick and its run publish the
  shipped history plus the new list.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from openpyxl import load_workbook

from g287_assets.lib.warehouse.compare import compare_databases

NEWEST_LIST = "participatingAgencies_2026-05-18_am.xlsx"


def g287(args: list[str], data_dir: Path, **env: str | None) -> subprocess.CompletedProcess:
    """`g287 ...` in a subprocess with its own data dir and Dagster instance; env values of None are unset."""
    environment = {
        **os.environ,
        "G287_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(data_dir / "dagster_home"),
    }
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    result = subprocess.run(
        [sys.executable, "-m", "g287_assets.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    (data_dir / "command.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    return result


@pytest.fixture(scope="module")
def fresh_clone_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`g287 build` as on a fresh clone with no network and nothing beside it: the shipped history alone."""
    data_dir = tmp_path_factory.mktemp("fresh_clone")
    result = g287(["build", "--offline"], data_dir, G287_SOURCE_MIRROR=None, G287_SHIPPED_HISTORY="on")
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert "registered the shipped history: 500 lists under 501 names" in result.stdout
    return data_dir


def test_a_fresh_clone_builds_the_whole_history_offline(fresh_clone_build: Path) -> None:
    with duckdb.connect(str(fresh_clone_build / "g287.duckdb"), read_only=True) as con:
        usable = con.execute(
            "SELECT count(*) FROM raw.snapshots WHERE status = 'usable' AND list_kind = 'participating'"
        ).fetchone()[0]
        march_9 = con.execute(
            "SELECT agreements FROM history.timeline WHERE snapshot_date = DATE '2026-03-09'"
        ).fetchone()[0]
        counties = con.execute("SELECT count(*) FROM marts.county_summary WHERE population > 0").fetchone()[0]
        census = con.execute("SELECT DISTINCT obtained FROM geo.census_sources").fetchall()
        ran = con.execute("SELECT count(*) FROM scenarios.definitions WHERE status = 'ran'").fetchone()[0]
    assert usable >= 249
    assert march_9 == 1511
    assert counties == 3144
    assert census == [("shipped",)]
    assert ran == 5
    assert (fresh_clone_build / "report" / "index.html").stat().st_size > 1_000_000
    assert (fresh_clone_build / "exports" / "figures" / "county_map.png").is_file()


def test_the_shipped_history_builds_the_same_tables_as_the_xlsx_archive(
    fresh_clone_build: Path, built_archive: Path
) -> None:
    compared = compare_databases(built_archive / "g287.duckdb", fresh_clone_build / "g287.duckdb")
    rows = {result.table: result.rows_first for result in compared}
    assert rows["clean.agreements"] == 249_716
    assert [result.table for result in compared if not result.same] == []


def test_three_lists_of_march_2026_build_and_the_older_presets_say_why_they_did_not_run(
    source_mirror: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "march"
    folder.mkdir()
    for name in (
        "participatingAgencies_2026-03-06_pm.xlsx",
        "participatingAgencies_2026-03-09_am.xlsx",
        "participatingAgencies_2026-03-11_am.xlsx",
    ):
        shutil.copy(source_mirror / "ice" / name, folder / name)
    data_dir = tmp_path / "data"
    result = g287(["build", "--no-shipped-history", "--offline", "--from", str(folder)], data_dir)
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    with duckdb.connect(str(data_dir / "g287.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.snapshots WHERE status = 'usable'").fetchone()[0] == 3
        definitions = dict(
            con.execute(
                "SELECT scenario, coalesce(status_reason, status) FROM scenarios.definitions"
            ).fetchall()
        )
        assert con.execute(
            "SELECT count(*) FROM scenarios.results WHERE scenario = 'maryland_ban'"
        ).fetchone() == (0,)
    assert definitions["texas_sb8_sheriffs"] == "ran"
    assert definitions["task_force_ends"] == "ran"
    assert definitions["maryland_ban"].endswith(
        "no usable participating list on or before 2026-02-13 (the history's first usable list is of 2026-03-06)"
    )
    assert "on or before 2025-02-21" in definitions["program_2025_02_21"]
    assert (data_dir / "report" / "index.html").is_file()
    simulated = g287(["simulate", "maryland_ban.yaml"], data_dir)
    assert simulated.returncode == 2
    assert "no usable participating list on or before 2026-02-13" in simulated.stderr


def a_newer_list(mirror_ice: Path, source_mirror: Path) -> None:
    """ICE's list of 2026-05-18 with one agreement more, as if published on 2026-05-20."""
    workbook = load_workbook(source_mirror / "ice" / NEWEST_LIST)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = dict.fromkeys(header, None) | {
        "STATE": "TEXAS",
        "LAW ENFORCEMENT AGENCY": "Loving County Sheriff's Office",
        "TYPE": "County",
        "COUNTY": "Loving County",
        "SUPPORT TYPE": "Warrant Service Officer",
        "SIGNED": dt.datetime(2026, 5, 19),
    }
    sheet.append([row[name] for name in header])
    mirror_ice.mkdir(parents=True)
    workbook.save(mirror_ice / "participatingAgencies_2026-05-20_am.xlsx")


def test_from_an_empty_data_dir_the_schedule_and_sensor_publish_the_shipped_history_and_a_new_list(
    source_mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from g287_assets.definitions import build_definitions
    from g287_assets.defs.ingest.schedules import download_ice_lists_job
    from g287_assets.defs.ingest.sensors import inbox_sensor
    from g287_assets.defs.resources import files_resource

    mirror = tmp_path / "mirror"
    a_newer_list(mirror / "ice", source_mirror)
    for folder in ("census", "geo"):
        (mirror / folder).symlink_to(source_mirror / folder)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("G287_DATA_DIR", str(data_dir))
    monkeypatch.setenv("G287_SOURCE_MIRROR", str(mirror))
    monkeypatch.setenv("G287_SHIPPED_HISTORY", "on")

    assert download_ice_lists_job.execute_in_process(resources={"files": files_resource()}).success
    assert (data_dir / "inbox" / "participatingAgencies_2026-05-20_am.xlsx").is_file()
    with dg.instance_for_test() as instance:
        tick = inbox_sensor(dg.build_sensor_context(instance=instance, resources={"files": files_resource()}))
        assert isinstance(tick, dg.SensorResult)
        (request,) = tick.run_requests
        (partitions,) = tick.dynamic_partitions_requests
        assert len(partitions.partition_keys) == 501
        instance.add_dynamic_partitions("snapshots", list(partitions.partition_keys))
        job = build_definitions().resolve_job_def("g287_build")
        assert job.execute_in_process(instance=instance, tags=request.tags).success

    with duckdb.connect(str(data_dir / "g287.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.snapshots").fetchone()[0] == 501
        newest = con.execute(
            "SELECT snapshot_date, agreements FROM history.timeline ORDER BY snapshot_date DESC LIMIT 1"
        ).fetchone()
        added = con.execute(
            "SELECT agency_name, model FROM history.agreements WHERE first_seen_date = DATE '2026-05-20'"
        ).fetchall()
    assert newest == (dt.date(2026, 5, 20), 1844)
    assert added == [("Loving County Sheriff's Office", "WSO")]
