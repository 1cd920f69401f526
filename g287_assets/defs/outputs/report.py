"""The report: data/report/index.html, the page people open instead of the Dagster UI or SQL.

Rebuilt by every run from the working database once the marts, history and scenarios are written. It is in
the outputs group, so a page that fails to render never holds back the publication of a new list.
"""

import datetime as dt
import time
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import table_key
from g287_assets.defs.outputs.figures import (
    PUBLISHED,
    county_topology,
    freshness,
    save_bytes,
    save_text,
    topology_file,
)
from g287_assets.defs.resources import G287Files
from g287_assets.lib.outputs import maps
from g287_assets.lib.outputs import report as pages
from g287_assets.lib.scenarios.engine import NO_SHERIFF_FILE, scenario_folders
from g287_assets.lib.settings import PROJECT_REFERENCE_DIR
from g287_assets.lib.warehouse import catalog

GROUP = "outputs"
SOURCE_TABLES = [
    catalog.CURRENT_AGREEMENTS,
    catalog.STATE_SUMMARY,
    catalog.COUNTY_SUMMARY,
    catalog.HISTORY_TIMELINE,
    catalog.HISTORY_CANCELLATIONS,
    catalog.HISTORY_CANCELLATIONS_SINCE_TRACKING_START,
    catalog.HISTORY_CHANGES,
    catalog.SCENARIO_DEFINITIONS,
    catalog.SCENARIO_RESULTS,
    catalog.SNAPSHOTS,
    # What the page's simulator, date control and agency records read.
    catalog.HISTORY_AGREEMENTS,
    catalog.HISTORY_GAPS,
    catalog.HISTORY_LINKS,
    catalog.CLEAN_AGREEMENTS,
    catalog.GEO_STATES,
    catalog.GEO_COUNTIES,
    catalog.GEO_PLACES,
    catalog.GEO_PLACE_COUNTY_PARTS,
    catalog.AGENCY_JURISDICTIONS,
    catalog.AGENCY_COUNTIES,
    catalog.SCENARIO_PENDING_AGENCIES,
    catalog.SCENARIO_PENDING_AGENCY_COUNTIES,
]
REPORT_REFERENCE = (NO_SHERIFF_FILE, "states.csv")
# Where the preview comes from; a test points it elsewhere to exercise the fallback without Chromium.
CHROMIUM = pages.CHROMIUM


def preview_image(page: Path, content: pages.ReportContent) -> tuple[bytes, str]:
    """A screenshot of the page when Chromium is installed; else the overview chart, saying so.

    The project never depends on a browser: the chart is rendered by vl-convert, which is always there.
    """
    screenshot = page.with_name(pages.SCREENSHOT_FILE)
    if pages.chromium_screenshot(page, screenshot, CHROMIUM):
        return screenshot.read_bytes(), f"screenshot of the page by headless Chromium ({CHROMIUM})"
    png = maps.render_png(content.data["charts"]["growth"] | {"width": 760})
    save_bytes(screenshot, png)
    return png, f"the overview chart rendered by vl-convert: no headless Chromium at {CHROMIUM}"


@dg.asset(
    key=["outputs", "report"],
    group_name=GROUP,
    kinds={"html", "vega"},
    deps=[PUBLISHED, *(table_key(table) for table in SOURCE_TABLES)],
    description=(
        "The report: one self-contained HTML page (data/report/index.html) that opens from disk with no "
        "network: overview (agreements and agencies by model, level and state, growth since January 2025, "
        "and the same on any earlier usable list), the active agreements (searchable, filterable, sortable, "
        "paged, downloadable as CSV), the canceled ones (after 2025-12-08 by default) with ICE's corrections "
        "apart, the county map, a scenario simulator beside the presets, each agency's record, and the "
        "sources (every ICE file's date and sha256). Every figure is read from the published tables."
    ),
)
def report(
    context: dg.AssetExecutionContext, files: G287Files, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    page = pages.report_path(files.paths.data_dir)
    screenshot = page.with_name(pages.SCREENSHOT_FILE)
    # What the page reads besides tables: the boundaries, the preset scenarios, the states without county
    # sheriffs (the reference folder's copy, else the project's) and the state codes the presets are checked by.
    reference = [
        files.paths.reference_dir / NO_SHERIFF_FILE,
        *(PROJECT_REFERENCE_DIR / name for name in REPORT_REFERENCE),
    ]
    sources = [topology_file(files), *reference, *scenario_folders(files.paths)]
    fresh = freshness(files, duckdb, "report", SOURCE_TABLES, [page, screenshot], sources)
    if fresh.earlier:
        return fresh.unchanged_result(screenshot)
    started = time.perf_counter()
    topology = county_topology(files)
    with duckdb.get_connection() as con:
        content = pages.read_report(con, topology, files.paths)
    html = pages.render_report(content, dt.datetime.now(dt.UTC))
    fetched = pages.external_resources(html)
    if fetched:
        raise dg.Failure(f"the report would load from the network, and must work offline: {fetched[:3]}")
    save_text(page, html)
    png, preview_source = preview_image(page, content)
    seconds = round(time.perf_counter() - started, 1)
    context.log.info(f"report: {page} ({len(html.encode('utf-8')):,} bytes) in {seconds} s")
    totals = content.totals
    notes = {
        "path": str(page),
        "list date": str(totals["list_date"]),
        "agreements": int(totals["agreements"]),
        "agencies": int(totals["agencies"]),
        "cancellations after 2025-12-08": int(content.cancellations_since_tracking_start),
        "corrections shown apart": len(content.corrections),
        "ICE files listed": len(content.snapshots),
    }
    fresh.record(notes)
    return dg.MaterializeResult(
        metadata={
            **notes,
            "path": dg.MetadataValue.path(str(page)),
            "bytes": page.stat().st_size,
            "preview": dg.MetadataValue.md(maps.png_markdown(png, "report preview")),
            "preview source": preview_source,
            "preview png": dg.MetadataValue.path(str(screenshot)),
            "seconds": seconds,
        }
    )
