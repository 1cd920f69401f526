"""Exports for people who do not run DuckDB: CSV and Parquet of every public table, GeoJSON, a Data Package.

CSV is what most readers open, in a spreadsheet, so its text cells are made inert: a cell beginning with
`=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula, and gets a leading single quote
(OWASP's advice against CSV injection). Only text cells change; numbers, dates and text that is simply a
number (`-3`) stay as they are. Parquet keeps every value and type exactly, lists included.

`datapackage.json` (Frictionless Data Package) describes every exported file and column, with the types
read from the data and the descriptions from the catalog, so the files explain themselves without g287.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from g287_assets.lib.files import file_sha256, write_atomically_with
from g287_assets.lib.warehouse import catalog

PACKAGE_FILE = "datapackage.json"
FORMULA_START = r"^[=+\-@\t\r]"
PLAIN_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
LIST_SEPARATOR = "; "
GEOJSON_DIGITS = 4  # 0.0001 degree is about 11 m, finer than the 1:10,000,000 boundaries themselves

CSV_NOTE = (
    "Text cells beginning with =, +, -, @, a tab or a carriage return start with an added single quote (') "
    "so spreadsheets never run them as formulas; lists are joined with '; '. The Parquet file has the exact "
    "values."
)
SOURCES = [
    {
        "title": "ICE 287(g) participating and pending agencies lists",
        "path": "https://www.ice.gov/identify-and-arrest/287g",
    },
    {
        "title": "U.S. Census Bureau, Vintage 2024 population estimates and Gazetteer files",
        "path": "https://www.census.gov/",
    },
    {
        "title": "us-atlas 2023 county boundaries (Census cartographic boundaries; ISC licence, Michael Bostock)",
        "path": "https://github.com/topojson/us-atlas",
    },
]


# ---- making CSV cells inert ----------------------------------------------------------------------------------


def _inert_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    risky = pc.and_(
        pc.match_substring_regex(column, FORMULA_START),
        pc.invert(pc.match_substring_regex(column, PLAIN_NUMBER)),
    )
    quoted = pc.binary_join_element_wise(pa.scalar("'"), column, "")
    return pc.if_else(pc.fill_null(risky, False), quoted, column)


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _is_text_list(kind: pa.DataType) -> bool:
    return (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and _is_text(kind.value_type)


def flatten_lists(table: pa.Table) -> pa.Table:
    """Lists of text as one text cell ('; '-joined): CSV has no lists."""
    for index, column_field in enumerate(table.schema):
        if _is_text_list(column_field.type):
            joined = pc.binary_join(table.column(index), LIST_SEPARATOR)
            table = table.set_column(index, pa.field(column_field.name, pa.string()), joined)
    return table


def neutralize_formulas(table: pa.Table) -> pa.Table:
    """Every text cell a spreadsheet would run as a formula, prefixed with a single quote."""
    for index, column_field in enumerate(table.schema):
        if _is_text(column_field.type):
            table = table.set_column(index, column_field, _inert_text(table.column(index)))
    return table


def spreadsheet_safe(table: pa.Table) -> pa.Table:
    return neutralize_formulas(flatten_lists(table))


# ---- writing files ------------------------------------------------------------------------------------------


def write_csv(table: pa.Table, path: Path) -> None:
    safe = spreadsheet_safe(table)
    write_atomically_with(path, lambda target: pa_csv.write_csv(safe, target))


def write_parquet(table: pa.Table, path: Path) -> None:
    write_atomically_with(path, lambda target: pq.write_table(table, target, compression="zstd"))


def write_json(document: dict, path: Path, indent: int | None = None) -> None:
    """Compact by default (GeoJSON is large); indented for the package description people read."""
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(document, ensure_ascii=False, indent=indent, separators=separators, default=_json_value)
    write_atomically_with(path, lambda target: target.write_text(text, encoding="utf-8"))


def _json_value(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# ---- Frictionless descriptions ---------------------------------------------------------------------------------


def frictionless_type(kind: pa.DataType) -> dict:
    """The Table Schema type of an Arrow type (datetimes as 'any' format: CSV writes them with a space)."""
    if pa.types.is_boolean(kind):
        return {"type": "boolean"}
    if pa.types.is_integer(kind):
        return {"type": "integer"}
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return {"type": "number"}
    if pa.types.is_date(kind):
        return {"type": "date"}
    if pa.types.is_timestamp(kind):
        return {"type": "datetime", "format": "any"}
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return {"type": "array"}
    if _is_text(kind):
        return {"type": "string"}
    return {"type": "any"}


def column_descriptions(table: catalog.Table) -> dict[str, str]:
    return {column.name: column.description for column in table.columns}


def schema_fields(schema: pa.Schema, descriptions: dict[str, str]) -> list[dict]:
    return [
        {"name": f.name, **frictionless_type(f.type), "description": descriptions.get(f.name, "")}
        for f in schema
    ]


def resource_name(file_name: str) -> str:
    """A Frictionless resource name: v1 allows lower-case letters, digits, '-', '.' and '/', not '_'."""
    return file_name.lower().replace("_", "-")


def file_resource(path: Path, root: Path, **details) -> dict:
    relative = path.relative_to(root).as_posix()
    return {
        "name": resource_name(relative),
        "path": relative,
        **details,
        "bytes": path.stat().st_size,
        "hash": f"sha256:{file_sha256(path)}",
    }


@dataclass
class ExportedTable:
    """One public table written out, with what the package says about it."""

    table: catalog.Table
    rows: int
    resources: list[dict] = field(default_factory=list)


def present_public_tables(con: duckdb.DuckDBPyConnection) -> list[catalog.Table]:
    """The catalog's public tables that this database holds (a table not built yet is skipped)."""
    present = {
        f"{schema}.{name}"
        for schema, name in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
    } | {
        f"{schema}.{name}"
        for schema, name in con.execute("SELECT schema_name, view_name FROM duckdb_views()").fetchall()
    }
    return [table for table in catalog.TABLES if table.public and table.name in present]


def read_arrow(con: duckdb.DuckDBPyConnection, table: catalog.Table) -> pa.Table:
    # The name comes from the catalog, never from data.
    return con.sql(f"SELECT * FROM {table.name}").to_arrow_table()


def export_table(con: duckdb.DuckDBPyConnection, table: catalog.Table, root: Path) -> ExportedTable:
    """CSV (spreadsheet-safe) and Parquet (exact) of one table, each described as a package resource."""
    data = read_arrow(con, table)
    descriptions = column_descriptions(table)
    csv_path, parquet_path = root / f"{table.name}.csv", root / f"{table.name}.parquet"
    write_csv(data, csv_path)
    write_parquet(data, parquet_path)
    csv_schema = spreadsheet_safe(data.slice(0, 0)).schema
    described = {"title": table.name, "rows": data.num_rows}
    return ExportedTable(
        table,
        data.num_rows,
        [
            file_resource(
                csv_path,
                root,
                **described,
                description=f"{table.description} {CSV_NOTE}",
                format="csv",
                mediatype="text/csv",
                encoding="utf-8",
                profile="tabular-data-resource",
                dialect={"delimiter": ",", "header": True, "doubleQuote": True},
                schema={"fields": schema_fields(csv_schema, descriptions)},
            ),
            file_resource(
                parquet_path,
                root,
                **described,
                description=table.description,
                format="parquet",
                mediatype="application/vnd.apache.parquet",
                profile="data-resource",
                schema={"fields": schema_fields(data.schema, descriptions)},
            ),
        ],
    )


# ---- GeoJSON -----------------------------------------------------------------------------------------------------


def point_geometry(latitude, longitude) -> dict | None:
    if latitude is None or longitude is None:
        return None
    return {"type": "Point", "coordinates": [round(longitude, 6), round(latitude, 6)]}


def agreement_features(rows: list[dict]) -> dict:
    """A FeatureCollection with one feature per agreement at its jurisdiction's internal point.

    Agreements without a matched jurisdiction keep a feature with a null geometry (RFC 7946, 3.2), so the
    file counts every active agreement, as the table does.
    """
    features = [
        {
            "type": "Feature",
            "id": row["agreement_id"],
            "geometry": point_geometry(row.get("latitude"), row.get("longitude")),
            "properties": row,
        }
        for row in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def county_features(rows: list[dict], shapes: dict[str, dict]) -> dict:
    """A FeatureCollection of county polygons carrying the county summary.

    Polygons come from the us-atlas TopoJSON converted to GeoJSON; a county without a shape there falls back
    to its Gazetteer internal point, and `geometry_source` says which one a feature has.
    """
    features = []
    for row in rows:
        shape = shapes.get(row["county_fips"])
        source = "us-atlas 2023 polygon" if shape else "Gazetteer internal point"
        geometry = shape or point_geometry(row.get("latitude"), row.get("longitude"))
        features.append(
            {
                "type": "Feature",
                "id": row["county_fips"],
                "geometry": geometry,
                "properties": {**row, "geometry_source": source},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def geojson_resource(
    path: Path, root: Path, table: catalog.Table, data: pa.Table, features: int, extra: list[dict]
) -> dict:
    fields = schema_fields(data.schema, column_descriptions(table)) + extra
    return file_resource(
        path,
        root,
        title=f"{table.name} (GeoJSON)",
        description=f"{table.description} As GeoJSON features; properties are the table's columns.",
        format="geojson",
        mediatype="application/geo+json",
        profile="data-resource",
        rows=features,
        schema={"fields": fields},
    )


def export_agreement_points(con: duckdb.DuckDBPyConnection, root: Path) -> dict:
    data = read_arrow(con, catalog.CURRENT_AGREEMENTS)
    path = root / "current_agreements.geojson"
    write_json(agreement_features(data.to_pylist()), path)
    return geojson_resource(path, root, catalog.CURRENT_AGREEMENTS, data, data.num_rows, [])


def export_county_shapes(con: duckdb.DuckDBPyConnection, root: Path, shapes: dict[str, dict]) -> dict:
    data = read_arrow(con, catalog.COUNTY_SUMMARY)
    path = root / "county_summary.geojson"
    write_json(county_features(data.to_pylist(), shapes), path)
    source = {
        "name": "geometry_source",
        "type": "string",
        "description": "us-atlas 2023 polygon, or Gazetteer internal point when the TopoJSON has no shape",
    }
    return geojson_resource(path, root, catalog.COUNTY_SUMMARY, data, data.num_rows, [source])


# ---- the package -----------------------------------------------------------------------------------------------


def data_package(resources: list[dict], created: dt.datetime) -> dict:
    return {
        "profile": "data-package",
        "name": "g287",
        "title": "g287: ICE's 287(g) agreements, history and geography",
        "description": (
            "Every public table of g287's DuckDB database as CSV (spreadsheet-safe) and Parquet (exact), and "
            "today's agreements and the county summary as GeoJSON. Agreements and agencies are different "
            "counts: one agency can hold up to three agreements, one per model."
        ),
        "created": created.isoformat(timespec="seconds"),
        "sources": SOURCES,
        "resources": resources,
    }


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: each table's rows, every resource, and the package file."""

    tables: list[ExportedTable]
    resources: list[dict]
    package: Path


def export_everything(
    con: duckdb.DuckDBPyConnection, root: Path, county_shapes: dict[str, dict], created: dt.datetime
) -> ExportSummary:
    """Write every export under `root`, the package description last (it hashes the files it lists)."""
    tables = [export_table(con, table, root) for table in present_public_tables(con)]
    resources = [resource for exported in tables for resource in exported.resources]
    names = {exported.table.name for exported in tables}
    if catalog.CURRENT_AGREEMENTS.name in names:
        resources.append(export_agreement_points(con, root))
    if catalog.COUNTY_SUMMARY.name in names:
        resources.append(export_county_shapes(con, root, county_shapes))
    package = root / PACKAGE_FILE
    write_json(data_package(resources, created), package, indent=2)
    return ExportSummary(tables, resources, package)
