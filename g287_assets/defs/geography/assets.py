"""Geography: Census populations and points as tables, and each agency's jurisdiction, population and counties.

The Census files come from the Census Bureau's host only (or the source mirror, offline), each recorded with
its sha256 in geo.census_sources. Agencies are matched by `lib.jurisdictions`; reviewed decisions live in
data/reference/jurisdiction_overrides.csv.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import asset_metadata, preview, table_key
from g287_assets.defs.resources import G287Files
from g287_assets.lib.geography.agencies import (
    cached_match,
    load_overrides,
    obtain_sources,
    read_census,
    sources_frame,
    with_ice_columns,
    without_moved_agencies,
)
from g287_assets.lib.geography.jurisdictions import (
    NOT_FOUND,
    counties_table,
    county_subdivisions_table,
    match_agencies,
    match_rates,
    place_county_parts_table,
    places_table,
    states_table,
)
from g287_assets.lib.reference import load_reference
from g287_assets.lib.sources.census import (
    SourceFile,
)
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import load_sql, replace_table

GROUP = "geography"

# Each Census table, the function building it and the sources it is read from.
CENSUS_TABLES = {
    catalog.GEO_STATES.name: (states_table, ("county_population", "county_points")),
    catalog.GEO_COUNTIES.name: (counties_table, ("county_population", "county_points")),
    catalog.GEO_PLACES.name: (
        places_table,
        ("subcounty_population", "place_points", "county_population", "county_points"),
    ),
    catalog.GEO_COUNTY_SUBDIVISIONS.name: (
        county_subdivisions_table,
        ("subcounty_population", "cousub_points", "county_points"),
    ),
    catalog.GEO_PLACE_COUNTY_PARTS.name: (place_county_parts_table, ("subcounty_population",)),
}
_CATALOG_BY_NAME = {table.name: table for table in catalog.GEO_TABLES}


def source_metadata(sources: dict[str, SourceFile], names: tuple[str, ...], rows: dict[str, int]) -> dict:
    """Where each source of a table came from, its sha256 and its rows, as Dagster metadata."""
    metadata: dict = {}
    for name in names:
        found = sources[name]
        metadata[f"{name} source"] = (
            dg.MetadataValue.url(found.origin)
            if found.origin.startswith("http")
            else dg.MetadataValue.path(found.origin)
        )
        metadata[f"{name} sha256"] = found.sha256
        metadata[f"{name} rows"] = rows[name]
        metadata[f"{name} obtained"] = found.obtained
    return metadata


def census_spec(table: catalog.Table) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=table_key(table),
        group_name=GROUP,
        kinds={"duckdb"},
        description=table.description,
        metadata=asset_metadata(table),
    )


@dg.multi_asset(
    specs=[census_spec(catalog.GEO_CENSUS_SOURCES)]
    + [census_spec(_CATALOG_BY_NAME[name]) for name in CENSUS_TABLES],
    name="census_geography",
)
def census_geography(files: G287Files, duckdb: DuckDBResource):
    """Read the five Census files once and write the state, county, place, subdivision and part tables."""
    sources = obtain_sources(files.mirror, files.paths.cache)
    census, rows = read_census(sources)
    provenance = sources_frame(sources, rows)
    with duckdb.get_connection() as con:
        replace_table(con, catalog.GEO_CENSUS_SOURCES, provenance)
        yield dg.MaterializeResult(
            asset_key=table_key(catalog.GEO_CENSUS_SOURCES),
            metadata={
                "dagster/row_count": len(provenance),
                "sources": preview(provenance[["source", "obtained", "origin", "sha256", "rows"]], 10),
            },
        )
        for name, (build, used) in CENSUS_TABLES.items():
            table = _CATALOG_BY_NAME[name]
            frame = build(census)
            replace_table(con, table, frame)
            yield dg.MaterializeResult(
                asset_key=table_key(table),
                metadata={
                    "dagster/row_count": len(frame),
                    **source_metadata(sources, used, rows),
                    "preview": preview(frame),
                },
            )


def level_review(con, files: G287Files) -> pd.DataFrame:
    """geo.level_review's rows (the jurisdictions must be written first)."""
    patterns = load_reference(files.paths.reference_dir).table("level_patterns")
    rules = pd.DataFrame({"rule": "level_patterns:" + patterns["priority"], "reason": patterns["reason"]})
    con.register("level_rules", rules)
    try:
        return con.execute(load_sql("geography/level_review.sql")).df()
    finally:
        con.unregister("level_rules")


def count_metadata(table: pd.DataFrame, column: str) -> dict[str, int]:
    return {f"{column}: {value}": int(n) for value, n in table[column].value_counts(dropna=False).items()}


def not_found_preview(table: pd.DataFrame) -> dg.MarkdownMetadataValue:
    missing = table[table["match_method"] == NOT_FOUND].sort_values(["state_code", "agency_name"])
    return preview(missing[["state_code", "agency_name", "ice_level", "not_found_reason"]], 200)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=table_key(table),
            group_name=GROUP,
            kinds={"duckdb"},
            description=table.description,
            metadata=asset_metadata(table),
            deps=[
                dg.AssetKey(["clean", "agreements"]),
                dg.AssetKey(["raw", "snapshots"]),
                table_key(catalog.HISTORY_LINKS),
                *(table_key(_CATALOG_BY_NAME[name]) for name in CENSUS_TABLES),
            ],
        )
        for table in (catalog.AGENCY_JURISDICTIONS, catalog.AGENCY_COUNTIES, catalog.LEVEL_REVIEW)
    ],
    name="agency_geography",
)
def agency_geography(files: G287Files, duckdb: DuckDBResource):
    """Match every agency ever seen in a usable participating list to its jurisdiction and counties."""
    overrides = load_overrides(files.paths.reference_dir)
    with duckdb.get_connection() as con:
        agencies = con.execute(load_sql("geography/agencies_to_locate.sql")).df()
        census_sources = ",".join(
            sha256
            for (sha256,) in con.execute("SELECT sha256 FROM geo.census_sources ORDER BY source").fetchall()
        )
        matched, reused = cached_match(
            files.paths.work_db.parent,
            agencies,
            overrides,
            census_sources,
            lambda: match_agencies(
                agencies, read_census(obtain_sources(files.mirror, files.paths.cache))[0], overrides
            ),
        )
        jurisdictions, bridge = without_moved_agencies(
            with_ice_columns(matched.jurisdictions, agencies), matched.county_bridge
        )
        replace_table(con, catalog.AGENCY_JURISDICTIONS, jurisdictions)
        replace_table(con, catalog.AGENCY_COUNTIES, bridge)
        levels = level_review(con, files)
        replace_table(con, catalog.LEVEL_REVIEW, levels)
    rates = match_rates(jurisdictions.rename(columns={"ice_level": "level"}))
    yield dg.MaterializeResult(
        asset_key=table_key(catalog.AGENCY_JURISDICTIONS),
        metadata={
            "dagster/row_count": len(jurisdictions),
            "matched again": not reused,
            **rates,
            **count_metadata(jurisdictions, "match_method"),
            **count_metadata(jurisdictions, "jurisdiction_level"),
            "not found": not_found_preview(jurisdictions),
            "preview": preview(
                jurisdictions[
                    ["state_code", "agency_name", "jurisdiction_level", "jurisdiction_name", "population"]
                ]
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=table_key(catalog.AGENCY_COUNTIES),
        metadata={
            "dagster/row_count": len(bridge),
            "agencies": int(bridge[["state_code", "agency_key"]].drop_duplicates().shape[0]),
            "counties": int(bridge["county_fips"].nunique()),
            **count_metadata(bridge, "county_source"),
            "preview": preview(bridge),
        },
    )
    yield dg.MaterializeResult(
        asset_key=table_key(catalog.LEVEL_REVIEW),
        metadata={
            "dagster/row_count": len(levels),
            "agencies": int(levels[["state_code", "agency_key"]].drop_duplicates().shape[0]),
            "census disagrees": int((levels["census_agrees"] == False).sum()),  # noqa: E712
            "preview": preview(
                levels[["state_code", "agency_name", "level_ice", "level", "jurisdiction_level"]]
            ),
        },
    )


# ---- checks ---------------------------------------------------------------------------------------------
