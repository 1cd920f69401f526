"""Geography assets: the published geo tables of a full real build, their checks, and the Census download.

Expected codes and populations were read in the Census files of the source mirror (co-est2024-alldata.csv,
sub-est2024.csv, the Gazetteers), not taken from the pipeline's output.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from g287_assets.definitions import defs
from g287_assets.defs.geography import checks as geography_checks
from g287_assets.defs.metadata import table_key
from g287_assets.lib.normalize import agency_key
from g287_assets.lib.reference import load_reference
from g287_assets.lib.settings import PROJECT_ROOT
from g287_assets.lib.sources.census import CensusSource, obtain_source, read_gazetteer
from g287_assets.lib.sources.download import DownloadRefused
from g287_assets.lib.warehouse import catalog
from g287_assets_tests.loopback import loopback_server

REFERENCE = load_reference(PROJECT_ROOT / "data" / "reference")

# ---- the published database of the real archive --------------------------------------------------------


def jurisdiction(con: duckdb.DuckDBPyConnection, state: str, name: str) -> dict:
    cursor = con.execute(
        "SELECT * FROM geo.agency_jurisdictions WHERE state_code = ? AND agency_key = ?",
        [state, REFERENCE.agency_key_of(state, name)],
    )
    columns = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, f"{state} {name}: {len(rows)} rows"
    return dict(zip(columns, rows[0], strict=True))


def test_counties_are_the_3144_of_vintage_2024(published: duckdb.DuckDBPyConnection) -> None:
    count, people, distinct = published.execute(
        "SELECT count(*), sum(population), count(DISTINCT county_fips) FROM geo.counties"
    ).fetchone()
    assert (count, people, distinct) == (3144, 340_110_988, 3144)
    connecticut = published.execute(
        "SELECT county_fips FROM geo.counties WHERE state_code = ? ORDER BY 1", ["CT"]
    ).fetchall()
    assert [fips for (fips,) in connecticut] == [f"09{code}" for code in range(110, 200, 10)]
    hopewell = published.execute(
        "SELECT county_name, population, round(latitude, 2) FROM geo.counties WHERE county_fips = ?",
        ["51670"],
    ).fetchone()
    assert hopewell == ("Hopewell city", 22970, 37.29)


def test_states_places_subdivisions_and_parts(published: duckdb.DuckDBPyConnection) -> None:
    assert published.execute("SELECT count(*), sum(population) FROM geo.states").fetchone() == (
        51,
        340_110_988,
    )
    assert published.execute(
        "SELECT state_code, population, counties FROM geo.states WHERE state_fips = ?", ["48"]
    ).fetchone() == ("TX", 31_290_831, 254)
    stamford = published.execute(
        "SELECT name, population, county_fips, county_count FROM geo.places WHERE place_geoid = ?",
        ["4869980"],
    ).fetchone()
    assert stamford == ("Stamford city", 2952, "48253", 2)
    statesboro = published.execute(
        "SELECT population, population_gap FROM geo.places WHERE place_geoid = ?", ["1373256"]
    ).fetchone()
    assert statesboro[0] is None and "GA" in statesboro[1]
    assert published.execute(
        "SELECT name, county_fips, population FROM geo.county_subdivisions WHERE cousub_geoid = ?",
        ["4204121680"],
    ).fetchone() == ("East Pennsboro township", "42041", 21490)
    assert published.execute("SELECT count(*) FROM geo.place_county_parts").fetchone() == (22970,)
    sources = published.execute(
        "SELECT source, obtained, sha256 FROM geo.census_sources ORDER BY 1"
    ).fetchall()
    assert (
        "county_population",
        "mirror",
        "abcc8720d669e793bbfdcd440eeec37a78db3b452adbe4ccd1eadf7c72b522b9",
    ) in (sources)
    assert len(sources) == 5


def test_one_row_per_agency_ever_seen_in_a_usable_participating_list(
    published: duckdb.DuckDBPyConnection,
) -> None:
    rows, distinct = published.execute(
        "SELECT count(*), count(DISTINCT (state_code, agency_key)) FROM geo.agency_jurisdictions"
    ).fetchone()
    seen = published.execute(
        """
        SELECT count(DISTINCT (a.state_code, a.agency_key))
        FROM clean.agreements a JOIN raw.snapshots s USING (snapshot_key)
        WHERE s.status = 'usable' AND s.list_kind = 'participating'
        """
    ).fetchone()[0]
    assert rows == distinct == seen > 1549


# (state, agency, level, county_fips, place_geoid, population), each looked up in the Census files
MATCHES = [
    ("VA", "Hopewell County Sheriff's Office", "county", "51670", None, 22970),
    ("LA", "Calcasieu Parish Sheriff's Office", "county", "22019", None, 206861),
    ("TX", "Stamford Police Department", "place", "48253", "4869980", 2952),
    ("FL", "City of Miami Police Department", "place", "12086", "1245000", 487014),
    ("TX", "Mustang Ridge Police Department", "place", "48055", "4850200", 1002),
    ("PA", "East Pennsylvania Township Constable Office", "county_subdivision", "42041", "4204121680", 21490),
    ("TX", "Texas National Guard", "state", None, None, 31_290_831),
]


@pytest.mark.parametrize(("state", "name", "level", "county", "geoid", "population"), MATCHES)
def test_agencies_get_their_census_jurisdiction(
    published: duckdb.DuckDBPyConnection,
    state: str,
    name: str,
    level: str,
    county: str | None,
    geoid: str | None,
    population: int,
) -> None:
    row = jurisdiction(published, state, name)
    assert (row["jurisdiction_level"], row["county_fips"], row["place_geoid"]) == (level, county, geoid)
    assert row["population"] == population
    assert row["latitude"] is not None and row["not_found_reason"] is None


def test_misnamed_agencies_follow_reviewed_overrides(published: duckdb.DuckDBPyConnection) -> None:
    freedom = jurisdiction(published, "MN", "Freedom County Sheriff's Office")
    assert (freedom["match_method"], freedom["county_fips"], freedom["population"]) == (
        "override",
        "27047",
        30314,
    )
    crow_wing = jurisdiction(published, "MA", "Crow Wing County Sheriff's Office")
    assert crow_wing["match_method"] == "not found" and crow_wing["county_fips"] is None
    assert "history moved all its agreements to MN" in crow_wing["not_found_reason"]


def test_agencies_listed_under_a_wrong_state_get_no_county_there(
    published: duckdb.DuckDBPyConnection,
) -> None:
    # ICE listed Wichita County's sheriff (TX) under OK for a while: Washita County, OK, is not its county.
    wichita = jurisdiction(published, "OK", "Wichita County Sheriff's Office")
    assert (wichita["county_fips"], wichita["county_cell_match"]) == (None, "no county")
    assert "history moved all its agreements to TX" in wichita["not_found_reason"]
    assert jurisdiction(published, "TX", "Wichita County Sheriff's Office")["county_fips"] == "48485"


def test_county_cells_count_only_when_they_name_a_county(published: duckdb.DuckDBPyConnection) -> None:
    cells = published.execute(
        "SELECT agency_name, county_raw, county_name, county_raw_status FROM marts.current_agreements "
        "WHERE (state_code, agency_name) IN (('AR', 'Pope County Sheriff''s Office'), "
        "('AR', 'Arkansas Department of Corrections'), ('TX', 'Marlin Police Department'), "
        "('TX', 'Tye Police Department'), ('FL', 'Tampa Police Department')) ORDER BY ALL"
    ).fetchall()
    assert sorted(set(cells)) == [
        # A state agency: its COUNTY cell (a misspelt Pulaski) is read but no county is shown.
        ("Arkansas Department of Corrections", "Pulaksi County", None, "not used"),
        # "Fall" is one letter from Falls and from Hall: ambiguous, so the place's own county is used.
        ("Marlin Police Department", "Fall County", "Falls County", "no county"),
        # "Pop" is a slip of Pope, but three letters are too few to tell it from another county's name.
        ("Pope County Sheriff's Office", "Pop County", "Pope County", "no county"),
        ("Tampa Police Department", None, "Hillsborough County", None),
        ("Tye Police Department", "Galveston County", "Taylor County", "another county"),
    ]
    statuses = dict(
        published.execute(
            "SELECT coalesce(county_raw_status, 'empty'), count(*) FROM marts.current_agreements GROUP BY 1"
        ).fetchall()
    )
    assert statuses == {"matches": 1580, "another county": 3, "no county": 9, "not used": 16, "empty": 235}
    assert published.execute(
        "SELECT count(*) FROM marts.current_agreements WHERE county_name = '#NA' OR county_name <> "
        "(SELECT c.county_name FROM geo.counties c WHERE c.county_fips = marts.current_agreements.county_fips)"
    ).fetchone() == (0,)


def test_multi_county_places_have_one_bridge_row_per_county(published: duckdb.DuckDBPyConnection) -> None:
    def bridge(state: str, name: str) -> list[tuple]:
        return published.execute(
            "SELECT county_fips, part_population, county_source FROM geo.agency_counties "
            "WHERE state_code = ? AND agency_key = ? ORDER BY county_fips",
            [state, agency_key(name)],
        ).fetchall()

    assert bridge("TX", "Mustang Ridge Police Department") == [
        ("48021", 0, "census"),
        ("48055", 512, "census"),
        ("48453", 490, "census"),
    ]
    assert bridge("TX", "Stamford Police Department") == [("48207", 40, "census"), ("48253", 2912, "census")]
    assert bridge("GA", "Statesboro Police Department") == [("13031", None, "ice_county_column")]
    assert bridge("TX", "Texas National Guard") == []


def test_georgia_municipal_agencies_have_no_population(published: duckdb.DuckDBPyConnection) -> None:
    rows = published.execute(
        "SELECT agency_name, jurisdiction_level, population, not_found_reason FROM geo.agency_jurisdictions "
        "WHERE state_code = ? AND ice_level = ?",
        ["GA", "municipal"],
    ).fetchall()
    assert len(rows) >= 13
    assert all(population is None and reason for _, _, population, reason in rows)
    assert {level for _, level, _, _ in rows} == {"place"}


def test_geography_checks_pass_on_the_real_build(built_archive: Path, tmp_path: Path) -> None:
    # A copy: DuckDB refuses a second connection with another configuration to the file the module reads.
    database = tmp_path / "g287.duckdb"
    shutil.copyfile(built_archive / "g287.duckdb", database)
    resource = DuckDBResource(database=str(database))
    results = {check.check_key.name: check(duckdb=resource) for check in geography_checks.CHECKS}
    assert all(result.passed for result in results.values()), {
        name: result.metadata for name, result in results.items() if not result.passed
    }
    rate = results["municipal_match_rate"].metadata["municipal police match rate outside GA"].value
    assert rate >= 0.97
    totals = results["county_populations_sum_to_national_total"].metadata
    assert (totals["counties total"].value, totals["states total"].value) == (340_110_988, 340_110_988)
    assert totals["states whose counties do not add up"].value == 0
    shared = results["no_jurisdiction_shared_across_states"].metadata
    assert shared["jurisdictions shared across states"].value == 0


def test_geography_checks_catch_a_shared_jurisdiction_and_a_missing_county(
    built_archive: Path, tmp_path: Path
) -> None:
    # Crow Wing's sheriff filed under Massachusetts, given Minnesota's county; and one county dropped.
    database = tmp_path / "g287.duckdb"
    shutil.copyfile(built_archive / "g287.duckdb", database)
    with duckdb.connect(str(database)) as con:
        con.execute(
            "UPDATE geo.agency_jurisdictions SET jurisdiction_level = 'county', county_fips = '27035', "
            "match_method = 'override' WHERE state_code = 'MA' AND agency_key = ?",
            [agency_key("Crow Wing County Sheriff's Office")],
        )
        con.execute("DELETE FROM geo.counties WHERE county_fips = ?", ["51670"])
    resource = DuckDBResource(database=str(database))
    checks = {check.check_key.name: check for check in geography_checks.CHECKS}
    shared = checks["no_jurisdiction_shared_across_states"](duckdb=resource)
    assert not shared.passed
    assert shared.metadata["jurisdictions shared across states"].value == 1
    totals = checks["county_populations_sum_to_national_total"](duckdb=resource)
    assert not totals.passed
    assert totals.metadata["counties total"].value == 340_110_988 - 22970
    assert totals.metadata["states whose counties do not add up"].value == 1


# ---- the Census download: a local server stands for www2.census.gov ---------------------------------------

GAZETTEER_TEXT = (
    "USPS\tGEOID\tANSICODE\tNAME\tALAND\tAWATER\tALAND_SQMI\tAWATER_SQMI\tINTPTLAT\tINTPTLONG   \n"
    "VA\t51670\t01498417\tHopewell city\t1\t2\t10.3\t0.5\t37.29\t-77.30   \n"
)


def zipped(member: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, text)
    return buffer.getvalue()


@pytest.fixture
def census_server() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 serving one zipped Gazetteer-like file; yields its URL and the paths asked for."""
    body = zipped("2024_Gaz_counties_national.txt", GAZETTEER_TEXT)
    requests_seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            requests_seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    with loopback_server(Handler) as server:
        yield f"http://127.0.0.1:{server.server_port}/gazetteer/2024_Gaz_counties_national.zip", requests_seen


def local_source(url: str) -> CensusSource:
    return CensusSource(
        "county_points", url, "geo/2024_Gaz_counties_national.txt", "2024_Gaz_counties_national.txt"
    )


def test_download_unzips_caches_with_sha256_and_reuses_the_cache(
    census_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, requests_seen = census_server
    source = local_source(url)
    first = obtain_source(source, tmp_path / "cache", allowed_hosts=("127.0.0.1",))
    assert first.obtained == "downloaded" and first.origin == url
    assert first.path.read_text(encoding="utf-8") == GAZETTEER_TEXT
    assert first.sha256 == hashlib.sha256(GAZETTEER_TEXT.encode()).hexdigest()
    assert read_gazetteer(first.path, "county").loc[0, "geoid"] == "51670"
    second = obtain_source(source, tmp_path / "cache", allowed_hosts=("127.0.0.1",))
    assert (second.obtained, second.sha256, second.path) == ("cache", first.sha256, first.path)
    assert len(requests_seen) == 1


def test_a_cached_file_that_changed_is_downloaded_again(
    census_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, requests_seen = census_server
    source = local_source(url)
    cached = obtain_source(source, tmp_path, allowed_hosts=("127.0.0.1",))
    cached.path.write_text("tampered\n", encoding="utf-8")
    again = obtain_source(source, tmp_path, allowed_hosts=("127.0.0.1",))
    assert again.obtained == "downloaded" and again.sha256 == cached.sha256
    assert len(requests_seen) == 2


def test_only_the_census_host_is_allowed(census_server: tuple[str, list[str]], tmp_path: Path) -> None:
    url, requests_seen = census_server
    with pytest.raises(DownloadRefused, match="www2.census.gov"):
        obtain_source(local_source(url), tmp_path)
    assert requests_seen == []


def test_a_zip_without_the_expected_file_is_refused(
    census_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, _ = census_server
    wrong = CensusSource("place_points", url, "geo/x.txt", "2025_Gaz_place_national.txt")
    with pytest.raises(ValueError, match="2025_Gaz_place_national.txt"):
        obtain_source(wrong, tmp_path, allowed_hosts=("127.0.0.1",))
    assert not (tmp_path / "2025_Gaz_place_national.txt").exists()


def test_the_mirror_is_read_without_any_network(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "geo").mkdir(parents=True)
    (mirror / "geo" / "2024_Gaz_counties_national.txt").write_text(GAZETTEER_TEXT, encoding="utf-8")
    unreachable = local_source("http://127.0.0.1:9/2024_Gaz_counties_national.zip")
    found = obtain_source(unreachable, tmp_path / "cache", mirror=mirror)
    assert (found.obtained, found.path) == ("mirror", mirror / "geo" / "2024_Gaz_counties_national.txt")
    assert found.sha256 == hashlib.sha256(GAZETTEER_TEXT.encode()).hexdigest()
    with pytest.raises(FileNotFoundError, match="census/sub-est2024.csv"):
        obtain_source(
            CensusSource("s", "http://127.0.0.1:9/s.csv", "census/sub-est2024.csv", "s.csv"),
            tmp_path,
            mirror=mirror,
        )
    assert not (tmp_path / "cache").exists()


def test_definitions_hold_the_geography_assets_and_checks() -> None:
    graph = defs.resolve_asset_graph()
    keys = {key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "geography"}
    assert keys == {table_key(table) for table in catalog.GEO_TABLES}
    assert sum(len(graph.get(key).check_keys) for key in keys) == 6


def test_levels_follow_the_evidence_and_every_disagreement_is_listed(
    published: duckdb.DuckDBPyConnection,
) -> None:
    rows = published.execute(
        "SELECT state_code, agency_name, level_ice, level, rule, jurisdiction_level, census_agrees "
        "FROM geo.level_review WHERE agency_name IN ('Haskell County Sheriff''s Office', "
        "'Stamford Police Department', 'Southwest Virginia Regional Jail Authority') ORDER BY ALL"
    ).fetchall()
    assert rows == [
        ("OK", "Haskell County Sheriff's Office", "municipal", "county", "level_patterns:1", "county", True),
        ("TX", "Stamford Police Department", "county", "municipal", "level_patterns:8", "place", True),
        (
            "VA",
            "Southwest Virginia Regional Jail Authority",
            "county",
            "other",
            "level_patterns:5",
            "other",
            None,
        ),
        (
            "VA",
            "Southwest Virginia Regional Jail Authority",
            "state",
            "other",
            "level_patterns:5",
            "other",
            None,
        ),
    ]
    summary = published.execute(
        "SELECT count(*), count(DISTINCT (state_code, agency_key)), count(*) FILTER (WHERE NOT census_agrees), "
        "count(*) FILTER (WHERE reason IS NULL) FROM geo.level_review"
    ).fetchone()
    assert summary == (27, 25, 3, 0)
    # Every row whose level is not ICE's is in the review table.
    unlisted = published.execute(
        """
        SELECT count(*) FROM clean.agreements a JOIN raw.snapshots s USING (snapshot_key)
        WHERE s.status = 'usable' AND s.list_kind = 'participating' AND a.level_ice <> a.level
          AND NOT EXISTS (SELECT 1 FROM geo.level_review r WHERE r.state_code = a.state_code
                          AND r.agency_key = a.agency_key AND r.level_ice = a.level_ice AND r.level = a.level)
        """
    ).fetchone()
    assert unlisted == (0,)
