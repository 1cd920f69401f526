"""Outputs: what people see without DuckDB: the county map, the history charts and the exported files.

Every output is a file under data/exports/ (figures in data/exports/figures/), rebuilt from the working
database after the marts and history are, and shown in the Dagster UI: each figure's PNG is embedded in its
materialization's metadata, each export's paths, row counts and a preview are listed beside it.
"""

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import preview, table_key
from g287_assets.defs.resources import G287Files
from g287_assets.lib.files import write_atomically
from g287_assets.lib.outputs import charts, maps
from g287_assets.lib.outputs.exports import GEOJSON_DIGITS, ExportSummary, export_everything
from g287_assets.lib.settings import SHIPPED_DIR
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.freshness import Ledger, fingerprint

GROUP = "outputs"
FIGURES = "figures"


# Figures and files are made after the database is published, so a new list reaches readers first.
PUBLISHED = dg.AssetKey(["published_database"])


def figures_dir(files: G287Files) -> Path:
    return files.paths.exports / FIGURES


def county_topology(files: G287Files) -> dict:
    """The us-atlas county TopoJSON from the source mirror, the shipped copy or the cache (never downloaded)."""
    return maps.load_county_topology(files.mirror, files.paths.cache, SHIPPED_DIR)


def save_bytes(path: Path, data: bytes) -> None:
    write_atomically(path, data)


def save_text(path: Path, text: str) -> None:
    write_atomically(path, text.encode("utf-8"))


def topology_file(files: G287Files) -> Path:
    return maps.county_topology_file(files.mirror, files.paths.cache, SHIPPED_DIR)


@dataclass(frozen=True)
class Freshness:
    """What an output is made from (its fingerprint), and the earlier result when that did not change."""

    name: str
    made_from: str
    ledger: Ledger
    earlier: dict | None

    def record(self, notes: dict) -> None:
        made_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.ledger.record(self.name, self.made_from, made_at, notes)

    def unchanged_result(self, png: Path | None = None) -> dg.MaterializeResult:
        """The result of a run that made nothing: the files of the earlier run are current."""
        notes = self.earlier["notes"]
        figure = figure_metadata(png, png.read_bytes(), self.name) if png is not None else {}
        return dg.MaterializeResult(
            metadata={
                **figure,
                **notes,
                "made again": False,
                "unchanged since": self.earlier["made_at"],
                "why": "made from the same tables, code and source files as then, so the files are current",
            }
        )


def freshness(
    files: G287Files,
    duckdb: DuckDBResource,
    name: str,
    tables: list[catalog.Table],
    outputs: list[Path],
    sources: list[Path] = (),
) -> Freshness:
    """Whether an output's tables, the code and its source files are those it was last made from."""
    with duckdb.get_connection() as con:
        made_from = fingerprint(con, [table.name for table in tables], sources)
    ledger = Ledger(files.paths.work_db.parent)
    return Freshness(name, made_from, ledger, ledger.unchanged(name, made_from, outputs))


def figure_metadata(png_path: Path, png: bytes, title: str) -> dict:
    return {
        "figure": dg.MetadataValue.md(maps.png_markdown(png, title)),
        "png": dg.MetadataValue.path(str(png_path)),
        "png bytes": len(png),
    }


# ---- the county map -------------------------------------------------------------------------------------------


def rendered_map(spec: dict, figures: Path) -> tuple[Path, bytes, float]:
    """The all-models view as a PNG (the HTML page switches between models), and the seconds it took.

    One view is rendered: each PNG costs seconds on every run, and the page already shows every model.
    """
    started = time.perf_counter()
    png = maps.render_png(spec)
    path = figures / "county_map.png"
    save_bytes(path, png)
    return path, png, round(time.perf_counter() - started, 1)


def join_metadata(join: maps.CountyJoin) -> dict:
    """What the map drew, so a missing county (or Connecticut's regions) shows in the UI, not only in tests."""
    return {
        "counties drawn": len(join.joined),
        "counties without a shape": ", ".join(join.without_shape) or "none",
        "shapes not drawn (not in the county summary)": len(join.shape_without_row),
        "Connecticut planning regions drawn": sum(fips.startswith("091") for fips in join.joined),
        "Alaska areas drawn": sum(fips.startswith("02") for fips in join.joined),
    }


@dg.asset(
    key=["outputs", "county_map"],
    group_name=GROUP,
    kinds={"vega", "html", "png"},
    deps=[PUBLISHED, table_key(catalog.COUNTY_SUMMARY), table_key(catalog.CURRENT_AGREEMENTS)],
    description=(
        "The county map: counties shaded by local agreements per 100,000 residents (all models, or JEM, WSO or "
        "TFM), municipal and state agencies as points, with tooltips. A self-contained HTML page that works "
        "offline (data/exports/figures/county_map.html), and a PNG of the all-models view. Boundaries: us-atlas 2023 "
        "(Connecticut's planning regions and Alaska's 2019 census areas included)."
    ),
)
def county_map(
    context: dg.AssetExecutionContext, files: G287Files, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    figures = figures_dir(files)
    html_path, png_path = figures / "county_map.html", figures / "county_map.png"
    fresh = freshness(
        files,
        duckdb,
        "county_map",
        [catalog.COUNTY_SUMMARY, catalog.CURRENT_AGREEMENTS],
        [html_path, png_path],
        [topology_file(files)],
    )
    if fresh.earlier:
        return fresh.unchanged_result(png_path)
    topology = county_topology(files)
    with duckdb.get_connection() as con:
        counties = con.sql(f"SELECT * FROM {catalog.COUNTY_SUMMARY.name}").df()
        current = con.sql(f"SELECT * FROM {catalog.CURRENT_AGREEMENTS.name}").df()
    join = maps.join_counties(topology, counties.county_fips.tolist())
    shaded = maps.counties_with_properties(topology, counties)
    states = maps.prune_topology(topology, "states", {fips[:2] for fips in join.joined})
    points = maps.agency_points(current, set(counties.state_code))
    list_date = f"{current.snapshot_date.iloc[0]:%Y-%m-%d}" if len(current) else "none"

    spec = maps.county_map_spec(shaded, states, points, list_date, maps.ALL_MODELS)
    html = maps.render_html(spec, "287(g) agreements by county")
    if maps.has_external_script(html):
        raise dg.Failure("the county map's HTML loads a script from the network; it must work offline")
    save_text(html_path, html)
    png_path, png, seconds = rendered_map(spec, figures)
    context.log.info(
        f"county map: {len(join.joined)} counties, {len(points)} agency points, PNG in {seconds} s"
    )
    highest = counties[counties.agreements > 0].sort_values("agreements_per_100k", ascending=False)
    notes = {"list date": list_date, "agency points": len(points), **join_metadata(join)}
    fresh.record(notes)
    return dg.MaterializeResult(
        metadata={
            **figure_metadata(png_path, png, "county map"),
            "html": dg.MetadataValue.path(str(html_path)),
            "html bytes": len(html.encode("utf-8")),
            "render seconds (PNG)": seconds,
            **notes,
            "dagster/row_count": len(join.joined),
            "preview": preview(
                highest[
                    [
                        "county_fips",
                        "county_name",
                        "state_code",
                        "population",
                        "agreements",
                        "agreements_per_100k",
                    ]
                ],
                10,
            ),
        }
    )


# ---- charts -----------------------------------------------------------------------------------------------------


def chart_files(files: G287Files, name: str) -> tuple[Path, Path]:
    """A chart's PNG and its Vega-Lite spec."""
    figures = figures_dir(files)
    return figures / f"{name}.png", figures / f"{name}.vl.json"


def chart_result(
    chart, title: str, files: G287Files, frame: pd.DataFrame, head: pd.DataFrame, fresh: Freshness
) -> dict:
    """Render a chart to PNG, save it with its Vega-Lite spec, and describe both for the UI."""
    spec = chart.to_dict()
    started = time.perf_counter()
    png = maps.render_png(spec)
    seconds = round(time.perf_counter() - started, 1)
    png_path, spec_path = chart_files(files, fresh.name)
    save_bytes(png_path, png)
    save_text(spec_path, chart.to_json())
    fresh.record({"dagster/row_count": len(frame)})
    return {
        **figure_metadata(png_path, png, title),
        "vega-lite spec": dg.MetadataValue.path(str(spec_path)),
        "render seconds": seconds,
        "dagster/row_count": len(frame),
        "preview": preview(head, 10),
    }


def chart_freshness(files: G287Files, duckdb: DuckDBResource, name: str, table: catalog.Table) -> Freshness:
    return freshness(files, duckdb, name, [table], list(chart_files(files, name)))


@dg.asset(
    key=["outputs", "agreements_timeline_chart"],
    group_name=GROUP,
    kinds={"vega", "png"},
    deps=[PUBLISHED, table_key(catalog.HISTORY_TIMELINE)],
    description=(
        "Agreements in every usable participating list since the first snapshot, in total and by model "
        "(history.timeline), as a PNG (data/exports/figures/agreements_timeline.png) and its Vega-Lite spec."
    ),
)
def agreements_timeline_chart(files: G287Files, duckdb: DuckDBResource) -> dg.MaterializeResult:
    fresh = chart_freshness(files, duckdb, "agreements_timeline", catalog.HISTORY_TIMELINE)
    if fresh.earlier:
        return fresh.unchanged_result(chart_files(files, fresh.name)[0])
    with duckdb.get_connection() as con:
        timeline = con.sql(f"SELECT * FROM {catalog.HISTORY_TIMELINE.name} ORDER BY snapshot_at").df()
    newest = timeline.sort_values("snapshot_at", ascending=False)[
        ["snapshot_date", "agreements", "agencies", "jem", "wso", "tfm"]
    ]
    metadata = chart_result(
        charts.timeline_chart(timeline),
        "agreements by model",
        files,
        timeline,
        newest,
        fresh,
    )
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=["outputs", "cancellations_chart"],
    group_name=GROUP,
    kinds={"vega", "png"},
    deps=[PUBLISHED, table_key(catalog.HISTORY_CANCELLATIONS)],
    description=(
        "Agreements cancelled per month, by model (history.cancellations), with the public tracker's "
        "2025-12-08 start marked, as a PNG (data/exports/figures/cancellations_by_month.png) and its spec."
    ),
)
def cancellations_chart(files: G287Files, duckdb: DuckDBResource) -> dg.MaterializeResult:
    fresh = chart_freshness(files, duckdb, "cancellations_by_month", catalog.HISTORY_CANCELLATIONS)
    if fresh.earlier:
        return fresh.unchanged_result(chart_files(files, fresh.name)[0])
    with duckdb.get_connection() as con:
        cancellations = con.sql(f"SELECT * FROM {catalog.HISTORY_CANCELLATIONS.name}").df()
    monthly = charts.cancellations_by_month(cancellations)
    by_month = monthly.pivot_table(index="month", columns="model", values="cancellations", aggfunc="sum")
    newest = by_month.sort_index(ascending=False).reset_index()
    metadata = chart_result(
        charts.cancellations_chart(cancellations),
        "cancellations per month",
        files,
        cancellations,
        newest,
        fresh,
    )
    return dg.MaterializeResult(metadata=metadata)


# ---- exports ----------------------------------------------------------------------------------------------------


def exports_table(summary: ExportSummary) -> pd.DataFrame:
    """One line per exported file: what it holds, how many rows and how many bytes."""
    return pd.DataFrame(
        [
            {"file": r["path"], "table": r["title"], "rows": r["rows"], "bytes": r["bytes"]}
            for r in summary.resources
        ]
    )


@dg.asset(
    key=["outputs", "data_package"],
    group_name=GROUP,
    kinds={"csv", "parquet", "json"},
    deps=[PUBLISHED, *(table_key(table) for table in catalog.TABLES if table.public)],
    description=(
        "data/exports/: every public table as CSV (text cells that a spreadsheet would run as formulas are "
        "prefixed with a single quote) and Parquet (exact values), today's agreements as GeoJSON points, the "
        "county summary as GeoJSON polygons (us-atlas 2023 converted from TopoJSON), and datapackage.json, "
        "a Frictionless Data Package describing every file and column."
    ),
)
def data_package(
    context: dg.AssetExecutionContext, files: G287Files, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    public = [table for table in catalog.TABLES if table.public]
    fresh = freshness(
        files,
        duckdb,
        "data_package",
        public,
        [files.paths.exports / "datapackage.json"],
        [topology_file(files)],
    )
    if fresh.earlier:
        return fresh.unchanged_result()
    shapes = maps.geojson_geometries(county_topology(files), digits=GEOJSON_DIGITS)
    started = time.perf_counter()
    with duckdb.get_connection() as con:
        summary = export_everything(con, files.paths.exports, shapes, dt.datetime.now(dt.UTC))
    seconds = round(time.perf_counter() - started, 1)
    listing = exports_table(summary)
    context.log.info(f"exported {len(listing)} files ({int(listing.bytes.sum()):,} bytes) in {seconds} s")
    notes = {
        "files": len(listing),
        "bytes": int(listing.bytes.sum()),
        "tables": len(summary.tables),
        "dagster/row_count": int(sum(exported.rows for exported in summary.tables)),
    }
    fresh.record(notes)
    return dg.MaterializeResult(
        metadata={
            "datapackage.json": dg.MetadataValue.path(str(summary.package)),
            "folder": dg.MetadataValue.path(str(files.paths.exports)),
            "export seconds": seconds,
            **notes,
            "preview": dg.MetadataValue.md(listing.to_markdown(index=False)),
        }
    )
