"""The report on the real archive: the page the shared build wrote, compared with its published database.

The build of `built_archive` runs every asset, the report included, so most tests only read its page. One test
materializes the report asset again on a copy of the database, with Chromium pointed at nowhere, to see the
metadata the UI shows and the preview it falls back to (the tests never need a browser).
"""

import html
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from g287_assets.definitions import defs as all_definitions
from g287_assets.defs.outputs import report as report_defs
from g287_assets.defs.resources import default_resources
from g287_assets.lib.outputs import report
from g287_assets.lib.settings import Paths

REPORT_KEY = dg.AssetKey(["outputs", "report"])


@pytest.fixture(scope="module")
def page(built_archive: Path) -> str:
    return report.report_path(built_archive).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data(page: str) -> dict:
    return report.embedded_data(page)


def scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def test_the_asset_is_an_output_that_waits_for_the_tables() -> None:
    graph = all_definitions.resolve_asset_graph()
    node = graph.get(REPORT_KEY)
    assert node.group_name == "outputs"
    assert {
        dg.AssetKey(["marts", "current_agreements"]),
        dg.AssetKey(["raw", "snapshots"]),
    } <= node.parent_keys
    assert node.parent_keys <= graph.get_all_asset_keys()


def test_the_page_works_offline(page: str) -> None:
    assert len(page) > 1_000_000
    assert report.external_resources(page) == []
    assert page.lower().count("<script") == 3 and "window.vegaEmbed" in page


def test_it_names_real_agencies_and_counties(data: dict, published) -> None:
    agencies = {row["agency"] for row in data["agreements"]}
    assert "Palm Beach County Sheriff's Office" in agencies
    assert {"Palm Beach County", "Harris County"} <= {row["county"] for row in data["agreements"]}
    listed = {
        row[0] for row in published.execute("SELECT agency_name FROM marts.current_agreements").fetchall()
    }
    assert agencies == listed


def test_counts_equal_the_published_tables(page: str, data: dict, published) -> None:
    agreements, agencies, list_date = published.execute(
        "SELECT count(*), count(DISTINCT (state_code, agency_key)), max(snapshot_date) "
        "FROM marts.current_agreements"
    ).fetchone()
    since_start = scalar(published, "SELECT count(*) FROM history.cancellations_since_tracking_start")
    assert data["totals"] == {
        "agreements": agreements,
        "agencies": agencies,
        "cancellations_since_tracking_start": since_start,
    }
    assert len(data["agreements"]) == agreements and data["list_date"] == list_date.isoformat()
    assert len({(row["state"], row["agency_key"]) for row in data["agreements"]}) == agencies
    assert f'id="figure-agreements">{agreements:,}<' in page and f'id="figure-agencies">{agencies:,}<' in page
    ended = [row for row in data["cancellations"] if row["ended"] > report.TRACKING_START.isoformat()]
    assert len(ended) == since_start
    assert len(data["cancellations"]) == scalar(published, "SELECT count(*) FROM history.cancellations")


def test_state_figures_are_the_state_summary(page: str, published) -> None:
    agreements, agencies, tfm = published.execute(
        "SELECT agreements, agencies, tfm FROM marts.state_summary WHERE state_code = 'TX'"
    ).fetchone()
    texas = page[page.index('data-value="TX">Texas') :][:700]
    cells = [f'data-value="{value}">{value:,}</td>' for value in (agreements, agencies, tfm)]
    assert all(cell in texas for cell in cells)


def test_corrections_are_explained_apart_from_cancellations(page: str, published) -> None:
    corrected = {
        row[0]
        for row in published.execute(
            "SELECT agreement_id FROM history.agreements WHERE status = 'corrected'"
        ).fetchall()
    }
    canceled = {
        row[0] for row in published.execute("SELECT agreement_id FROM history.cancellations").fetchall()
    }
    assert corrected and not corrected & canceled
    section = page[page.index('id="corrections"') : page.index('id="map"')]
    shown = scalar(
        published,
        "SELECT count(*) FROM history.changes WHERE event IN ('corrected', 're-dated') AND link_method IS NOT NULL",
    )
    assert shown > 50 and section.count("<tr>") == shown + 1  # the heading row and one row per correction
    assert "never</strong> counted as cancellations" in section


def test_every_ice_file_is_in_about(page: str, published) -> None:
    about = page[page.index('id="about"') :]
    hashes = [row[0] for row in published.execute("SELECT sha256 FROM raw.snapshots").fetchall()]
    assert len(hashes) > 400
    assert all(sha in about for sha in hashes)


def test_scenarios_show_their_assumptions(page: str, published) -> None:
    text = html.unescape(page)
    for name, description in published.execute(
        "SELECT scenario, description FROM scenarios.definitions"
    ).fetchall():
        assert f'id="scenario-{name}"' in page
        assert description in text


def test_the_asset_reports_its_page_and_a_preview(
    built_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = Paths(data_dir=tmp_path, reference_dir=tmp_path / "reference")
    paths.work_db.parent.mkdir(parents=True)
    shutil.copy(built_archive / "g287.duckdb", paths.work_db)
    monkeypatch.setattr(report_defs, "CHROMIUM", tmp_path / "no-chromium")
    result = dg.materialize([report_defs.report], resources=default_resources(paths))
    assert result.success
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == REPORT_KEY]
    metadata = event.materialization.metadata
    assert metadata["path"].value == str(report.report_path(tmp_path))
    assert metadata["bytes"].value == report.report_path(tmp_path).stat().st_size > 1_000_000
    assert metadata["preview"].value.startswith("![report preview](data:image/png;base64,iVBOR")
    assert "no headless Chromium" in metadata["preview source"].value
