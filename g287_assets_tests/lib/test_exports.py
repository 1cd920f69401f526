"""Exports on small fixtures: inert CSV cells, the Data Package, GeoJSON from TopoJSON, the map's file lookup."""

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from g287_assets.lib.outputs import maps
from g287_assets.lib.outputs.exports import (
    PACKAGE_FILE,
    export_everything,
    flatten_lists,
    neutralize_formulas,
    write_csv,
)
from g287_assets.lib.warehouse import catalog


def test_text_cells_that_would_run_as_formulas_get_a_quote() -> None:
    table = pa.table(
        {
            "text": ['=HYPERLINK("x")', "+cmd", "-2+3", "@SUM(A1)", "\tx", "plain", "-3", "+1.5", None],
            "number": [-3, 1, 2, 3, 4, 5, 6, 7, 8],
        }
    )
    safe = neutralize_formulas(table)
    assert safe.column("text").to_pylist() == [
        '\'=HYPERLINK("x")',
        "'+cmd",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "plain",
        "-3",
        "+1.5",
        None,
    ]
    assert safe.column("number").to_pylist() == table.column("number").to_pylist()
    assert safe.schema.field("number").type == pa.int64()


def test_lists_become_one_text_cell_and_are_made_inert_too() -> None:
    table = pa.table({"corrections": [["state:UTAHJ", "=x"], [], None]})
    flat = neutralize_formulas(flatten_lists(table))
    assert flat.column("corrections").to_pylist() == ["state:UTAHJ; =x", "", None]
    starts_with_formula = neutralize_formulas(flatten_lists(pa.table({"c": [["=x", "y"]]})))
    assert starts_with_formula.column("c").to_pylist() == ["'=x; y"]


def test_csv_keeps_negative_numbers_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_csv(pa.table({"name": ["=1+1", "Palm Beach County"], "delta": [-3, 4]}), path)
    read = pa_csv.read_csv(path)
    assert read.column("delta").to_pylist() == [-3, 4]
    assert pa.types.is_integer(read.schema.field("delta").type)
    assert read.column("name").to_pylist() == ["'=1+1", "Palm Beach County"]
    assert not list(tmp_path.glob(".*partial"))


# ---- the whole export on a tiny database ------------------------------------------------------------------


def create_table(con: duckdb.DuckDBPyConnection, table: catalog.Table, rows: list[dict]) -> None:
    for statement in catalog.create_statements(table):
        con.execute(statement)
    for row in rows:
        columns = list(row)
        placeholders = ", ".join("?" for _ in columns)
        con.execute(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})", list(row.values())
        )


@pytest.fixture
def tiny_database() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_table(
        con,
        catalog.CURRENT_AGREEMENTS,
        [
            {
                "agreement_id": "a1",
                "state_code": "FL",
                "agency_name": "=cmd|' /C calc'!A0",
                "model": "TFM",
                "latitude": 26.6,
                "longitude": -80.4,
                "corrections": ["state:FLA"],
            },
            {
                "agreement_id": "a2",
                "state_code": "TX",
                "agency_name": "Harris County Sheriff",
                "model": "JEM",
            },
        ],
    )
    create_table(
        con,
        catalog.COUNTY_SUMMARY,
        [
            {
                "county_fips": "12099",
                "county_name": "Palm Beach County",
                "state_code": "FL",
                "population": 1_500_000,
                "agreements": 21,
                "latitude": 26.6,
                "longitude": -80.4,
            },
            {
                "county_fips": "09110",
                "county_name": "Capitol Planning Region",
                "state_code": "CT",
                "population": 980_000,
                "agreements": 0,
                "latitude": 41.8,
                "longitude": -72.7,
            },
        ],
    )
    create_table(con, catalog.ROW_ISSUES, [{"snapshot_key": "k", "issue": "-not public-"}])
    yield con
    con.close()


SQUARE = {"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]]}


def test_every_exported_file_is_described_with_its_columns(tiny_database, tmp_path: Path) -> None:
    summary = export_everything(
        tiny_database, tmp_path, {"12099": SQUARE}, dt.datetime(2026, 5, 18, tzinfo=dt.UTC)
    )
    package = json.loads((tmp_path / PACKAGE_FILE).read_text(encoding="utf-8"))
    files = {p.name for p in tmp_path.iterdir() if p.name != PACKAGE_FILE}
    assert {r["path"] for r in package["resources"]} == files
    assert "clean.row_issues.csv" not in files  # internal tables are not exported
    assert {exported.table.name for exported in summary.tables} == {
        "marts.current_agreements",
        "marts.county_summary",
    }
    for resource in package["resources"]:
        names = [f["name"] for f in resource["schema"]["fields"]]
        path = tmp_path / resource["path"]
        if resource["format"] == "csv":
            assert names == pa_csv.read_csv(path).column_names
        elif resource["format"] == "parquet":
            assert names == pq.read_schema(path).names
        assert all(f["description"] for f in resource["schema"]["fields"])
        assert resource["hash"].startswith("sha256:") and resource["bytes"] == path.stat().st_size
    csv = pa_csv.read_csv(tmp_path / "marts.current_agreements.csv")
    assert csv.column("agency_name")[0].as_py() == "'=cmd|' /C calc'!A0"
    assert (
        pq.read_table(tmp_path / "marts.current_agreements.parquet")
        .column("agency_name")[0]
        .as_py()
        .startswith("=")
    )


def test_geojson_has_one_feature_per_row(tiny_database, tmp_path: Path) -> None:
    export_everything(tiny_database, tmp_path, {"12099": SQUARE}, dt.datetime(2026, 5, 18, tzinfo=dt.UTC))
    points = json.loads((tmp_path / "current_agreements.geojson").read_text(encoding="utf-8"))
    assert [f["geometry"] for f in points["features"]] == [
        {"type": "Point", "coordinates": [-80.4, 26.6]},
        None,
    ]
    counties = json.loads((tmp_path / "county_summary.geojson").read_text(encoding="utf-8"))
    by_fips = {f["id"]: f for f in counties["features"]}
    assert by_fips["12099"]["geometry"] == SQUARE
    # No shape for a county: its internal point instead, and the feature says so.
    assert by_fips["09110"]["geometry"]["type"] == "Point"
    assert by_fips["09110"]["properties"]["geometry_source"] == "Gazetteer internal point"


# ---- TopoJSON to GeoJSON ----------------------------------------------------------------------------------------

# Two unit squares side by side sharing the arc x=1; quantized (delta-encoded) with scale 1 and no shift.
TWO_SQUARES = {
    "type": "Topology",
    "transform": {"scale": [1, 1], "translate": [0, 0]},
    "objects": {
        "counties": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "id": "01001", "arcs": [[0, 1]]},
                {"type": "Polygon", "id": "01003", "arcs": [[-1, 2]]},
            ],
        }
    },
    "arcs": [
        [[1, 0], [0, 1]],  # (1,0) -> (1,1), the shared edge
        [[1, 1], [-1, 0], [0, -1], [1, 0]],  # (1,1) -> (0,1) -> (0,0) -> (1,0)
        [[1, 0], [1, 0], [0, 1], [-1, 0]],  # (1,0) -> (2,0) -> (2,1) -> (1,1)
    ],
}


def test_topojson_polygons_become_closed_counterclockwise_rings() -> None:
    shapes = maps.geojson_geometries(TWO_SQUARES)
    assert set(shapes) == {"01001", "01003"}
    for shape in shapes.values():
        ring = shape["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) == 5
        assert maps._signed_area(ring) > 0  # RFC 7946: exterior rings counterclockwise
    assert sorted(map(tuple, shapes["01003"]["coordinates"][0])) == sorted(
        [(1.0, 1.0), (1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0)]
    )


def test_pruned_topology_keeps_only_the_arcs_it_uses() -> None:
    pruned = maps.prune_topology(TWO_SQUARES, "counties", {"01003"})
    assert maps.topology_ids(pruned) == {"01003"}
    assert len(pruned["arcs"]) == 2
    assert maps.geojson_geometries(pruned) == {"01003": maps.geojson_geometries(TWO_SQUARES)["01003"]}


def test_map_boundaries_come_from_the_mirror_shipped_copy_or_cache_never_the_network(tmp_path: Path) -> None:
    no_shipped = tmp_path / "no-shipped"
    with pytest.raises(maps.TopologyMissing, match="G287_SOURCE_MIRROR"):
        maps.load_county_topology(None, tmp_path / "cache", no_shipped)
    with pytest.raises(maps.TopologyMissing, match="no geo/us-atlas-2023"):
        maps.load_county_topology(tmp_path, tmp_path / "cache", no_shipped)
    cached = tmp_path / "cache" / maps.TOPOLOGY_IN_CACHE
    cached.parent.mkdir(parents=True)
    cached.write_text('{"type": "Topology"}', encoding="utf-8")
    assert maps.load_county_topology(None, tmp_path / "cache", no_shipped) == {"type": "Topology"}


def test_external_scripts_are_detected() -> None:
    assert maps.has_external_script('<script src="https://cdn.jsdelivr.net/npm/vega@6"></script>')
    assert maps.has_external_script("<script type='text/javascript' src='//cdn.example/v.js'></script>")
    assert not maps.has_external_script(
        "<script>var spec = {'$schema': 'https://vega.github.io/x'};</script>"
    )


def test_rate_bands_cover_every_rate() -> None:
    assert maps.rate_bands() == [
        "under 1",
        "1 to 2.5",
        "2.5 to 5",
        "5 to 10",
        "10 to 25",
        "25 to 50",
        "50 or more",
    ]
    assert len(maps.RATE_COLORS) == len(maps.rate_bands())
    assert maps.rate_band_expression().startswith("datum.rate < 1 ? 'under 1' : datum.rate < 2.5")
