"""The output assets on the real archive: the county map, the charts and the exports, written to a temp dir.

The published database of the shared build is copied into a fresh data dir, and the four output assets are
materialized once for the module (rendering the map's PNG is most of the time).
"""

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from g287_assets.definitions import defs
from g287_assets.defs.outputs import figures as outputs
from g287_assets.defs.resources import default_resources
from g287_assets.lib.outputs import maps
from g287_assets.lib.outputs.exports import PACKAGE_FILE
from g287_assets.lib.settings import PROJECT_ROOT, Paths, source_mirror
from g287_assets.lib.warehouse import catalog

OUTPUT_NAMES = ("county_map", "agreements_timeline_chart", "cancellations_chart", "data_package")
OUTPUT_KEYS = {dg.AssetKey(["outputs", name]) for name in OUTPUT_NAMES}


@pytest.fixture(scope="module")
def output_run(built_archive: Path, tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("outputs")
    paths = Paths(data_dir=data_dir, reference_dir=data_dir / "reference")
    paths.work_db.parent.mkdir(parents=True)
    shutil.copy(built_archive / "g287.duckdb", paths.work_db)
    figures = [
        outputs.county_map,
        outputs.agreements_timeline_chart,
        outputs.cancellations_chart,
        outputs.data_package,
    ]
    result = dg.materialize(figures, resources=default_resources(paths))
    assert result.success
    metadata = {
        event.asset_key: event.materialization.metadata for event in result.get_asset_materialization_events()
    }
    return paths, metadata


def figure(paths: Paths, name: str) -> Path:
    return paths.exports / outputs.FIGURES / name


def test_every_output_asset_is_described_grouped_owned_and_kinded() -> None:
    specs = {spec.key: spec for asset in defs.assets for spec in asset.specs if spec.key in OUTPUT_KEYS}
    assert set(specs) == OUTPUT_KEYS
    for spec in specs.values():
        assert spec.group_name == "outputs"
        assert len(spec.description) > 80
        assert spec.owners == ["team:g287"]
        assert spec.kinds


def test_the_map_is_a_self_contained_page_and_png(output_run) -> None:
    paths, metadata = output_run
    html = figure(paths, "county_map.html").read_text(encoding="utf-8")
    assert len(html) > 1_000_000
    assert "Palm Beach County" in html and "Capitol Planning Region" in html
    assert not maps.has_external_script(html)
    assert "<script" in html and "vegaEmbed" in html
    png = figure(paths, "county_map.png").read_bytes()
    assert png.startswith(maps.PNG_SIGNATURE) and len(png) > 100_000
    shown = metadata[dg.AssetKey(["outputs", "county_map"])]
    assert shown["figure"].value.startswith("![county map](data:image/png;base64,iVBOR")
    assert shown["counties drawn"].value == 3144
    assert shown["counties without a shape"].value == "none"
    assert shown["Connecticut planning regions drawn"].value == 9


def test_connecticut_regions_and_alaskas_new_areas_are_joined(published) -> None:
    topology = maps.load_county_topology(source_mirror(), Path("unused"), Path("unused"))
    fips = [row[0] for row in published.execute("SELECT county_fips FROM marts.county_summary").fetchall()]
    joined = set(maps.join_counties(topology, fips).joined)
    assert {f"091{n}0" for n in range(1, 10)} <= joined
    assert {"02063", "02066"} <= joined  # Chugach and Copper River, split from Valdez-Cordova in 2019


def test_charts_are_pngs_in_files_and_in_the_ui(output_run) -> None:
    paths, metadata = output_run
    for name, key in (
        ("agreements_timeline", "agreements_timeline_chart"),
        ("cancellations_by_month", "cancellations_chart"),
    ):
        assert figure(paths, f"{name}.png").read_bytes().startswith(maps.PNG_SIGNATURE)
        assert json.loads(figure(paths, f"{name}.vl.json").read_text(encoding="utf-8"))["$schema"]
        shown = metadata[dg.AssetKey(["outputs", key])]
        assert shown["figure"].value.startswith("![")
        assert shown["dagster/row_count"].value > 0


def test_csv_and_parquet_have_every_row_of_every_public_table(output_run, published) -> None:
    paths, _ = output_run
    public = [table for table in catalog.TABLES if table.public]
    exported = [table for table in public if (paths.exports / f"{table.name}.csv").exists()]
    assert {"marts.current_agreements", "marts.county_summary", "clean.agreements"} <= {
        t.name for t in exported
    }
    for table in exported:
        rows = published.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
        csv = pa_csv.read_csv(
            paths.exports / f"{table.name}.csv", parse_options=pa_csv.ParseOptions(newlines_in_values=True)
        )
        assert csv.num_rows == rows, table.name
        assert pq.read_metadata(paths.exports / f"{table.name}.parquet").num_rows == rows, table.name


def test_negative_numbers_stay_numbers_in_csv(output_run) -> None:
    paths, _ = output_run
    counties = pa_csv.read_csv(paths.exports / "marts.county_summary.csv")
    longitudes = counties.column("longitude").to_pylist()
    assert counties.schema.field("longitude").type == "double"
    assert min(longitudes) < -150


def test_datapackage_describes_every_file(output_run) -> None:
    paths, _ = output_run
    package = json.loads((paths.exports / PACKAGE_FILE).read_text(encoding="utf-8"))
    files = {p.name for p in paths.exports.iterdir() if p.is_file() and p.name != PACKAGE_FILE}
    assert {resource["path"] for resource in package["resources"]} == files
    for resource in package["resources"]:
        fields = resource["schema"]["fields"]
        if resource["format"] == "parquet":
            assert [f["name"] for f in fields] == pq.read_schema(paths.exports / resource["path"]).names
        assert all(f["type"] for f in fields)
    described = [f for r in package["resources"] for f in r["schema"]["fields"] if f["description"]]
    assert len(described) > 0.95 * sum(len(r["schema"]["fields"]) for r in package["resources"])


def test_geojson_has_a_feature_per_row(output_run, published) -> None:
    paths, _ = output_run
    agreements = json.loads((paths.exports / "current_agreements.geojson").read_text(encoding="utf-8"))
    active = published.execute("SELECT count(*) FROM marts.current_agreements").fetchone()[0]
    assert agreements["type"] == "FeatureCollection" and len(agreements["features"]) == active
    counties = json.loads((paths.exports / "county_summary.geojson").read_text(encoding="utf-8"))
    assert len(counties["features"]) == 3144
    by_fips = {feature["id"]: feature for feature in counties["features"]}
    assert by_fips["09110"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert {f["geometry"]["type"] for f in counties["features"]} <= {"Polygon", "MultiPolygon"}


def test_outputs_made_from_unchanged_tables_are_not_made_again(built_archive: Path, tmp_path: Path) -> None:
    paths = Paths(data_dir=tmp_path, reference_dir=PROJECT_ROOT / "data" / "reference")
    paths.work_db.parent.mkdir(parents=True)
    shutil.copy(built_archive / "g287.duckdb", paths.work_db)
    figures = [
        outputs.county_map,
        outputs.agreements_timeline_chart,
        outputs.cancellations_chart,
        outputs.data_package,
    ]

    def made_again() -> dict[str, bool]:
        result = dg.materialize(figures, resources=default_resources(paths))
        return {
            event.asset_key.path[-1]: event.materialization.metadata.get(
                "made again", dg.BoolMetadataValue(True)
            ).value
            for event in result.get_asset_materialization_events()
        }

    assert made_again() == dict.fromkeys(OUTPUT_NAMES, True)
    png = figure(paths, "county_map.png")
    written = png.stat().st_mtime_ns
    assert made_again() == dict.fromkeys(OUTPUT_NAMES, False)
    assert png.stat().st_mtime_ns == written
    # One county's row changes: the map and the exports are made again, the history charts are not.
    with duckdb.connect(str(paths.work_db)) as con:
        con.execute("UPDATE marts.county_summary SET agreements = agreements + 1 WHERE county_fips = '12099'")
    assert made_again() == {
        "county_map": True,
        "data_package": True,
        "agreements_timeline_chart": False,
        "cancellations_chart": False,
    }
    # A figure deleted by hand is made again although its tables did not change.
    (paths.exports / "figures" / "cancellations_by_month.png").unlink()
    assert made_again()["cancellations_chart"] is True
