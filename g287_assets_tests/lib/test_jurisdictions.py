"""Jurisdiction matching: name folding, agency kinds, and hand-checked matches of ICE's 2026-05-18 list.

Every expected GEOID below was looked up by hand in the Census files of the source mirror
(co-est2024-alldata.csv, sub-est2024.csv, the Gazetteers), not taken from the matcher's output.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from g287_assets.lib.geography.jurisdictions import (
    BRIDGE_COLUMNS,
    JURISDICTION_COLUMNS,
    OVERRIDE_COLUMNS,
    CensusTables,
    JurisdictionMatch,
    classify_agency,
    county_base_name,
    county_office,
    match_agencies,
    match_rates,
    match_text,
    municipal_police,
    name_segments,
    place_base_name,
)
from g287_assets.lib.normalize import agency_key, display_name
from g287_assets.lib.sources.census import read_county_population, read_gazetteer, read_subcounty_population

OVERRIDES = Path(__file__).resolve().parents[2] / "data" / "reference" / "jurisdiction_overrides.csv"
NEWEST_LIST = "participatingAgencies_2026-05-18_am.xlsx"
ICE_LEVELS = {"County": "county", "Municipality": "municipal", "State Agency": "state"}
TERRITORIES = {"GUAM": ("GU", "66"), "NORTHERN MARIANA ISLANDS": ("MP", "69")}


# ---- pure helpers -------------------------------------------------------------------------------------


def test_match_text_folds_abbreviations_both_ways() -> None:
    assert match_text("Port St. Lucie") == match_text("Port Saint Lucie") == "PORT SAINT LUCIE"
    assert match_text("Mt. Carmel Twp.") == "MOUNT CARMEL TOWNSHIP"
    assert match_text("Ste. Genevieve") == "SAINTE GENEVIEVE"
    assert match_text("Howey-in-the-Hills") == "HOWEY IN THE HILLS"


def test_census_base_names_drop_the_legal_kind_only() -> None:
    assert place_base_name("Boise City city") == "Boise City"
    assert place_base_name("Mahanoy City borough") == "Mahanoy City"
    assert place_base_name("Nashville-Davidson metropolitan government (balance)") == "Nashville-Davidson"
    assert county_base_name("Hopewell city") == "Hopewell"
    assert county_base_name("Orleans Parish") == "Orleans"
    assert county_base_name("Carson City") == "Carson City"
    assert county_base_name("Juneau City and Borough") == "Juneau"


def test_name_segments_remove_office_words() -> None:
    assert name_segments("City of Miami Police Department") == ["MIAMI"]
    assert name_segments("Mahoning TWP Police Department - Montour") == ["MAHONING TOWNSHIP", "MONTOUR"]
    assert name_segments("Pennsylvania State Constable Office Honey Brook Precinct 1") == ["HONEY BROOK"]
    assert name_segments("Daytona Beach Shores Public Safety") == ["DAYTONA BEACH SHORES"]


def test_name_segments_read_abbreviations_and_misspelt_constables() -> None:
    assert name_segments("Pinellas Park PD") == ["PINELLAS PARK"]
    assert name_segments("Coolspring Township Constbales Office") == ["COOLSPRING TOWNSHIP"]
    assert name_segments("Greene Township Constables's Office") == ["GREENE TOWNSHIP"]
    assert name_segments("South Pymatuning TWP State Constable") == ["SOUTH PYMATUNING TOWNSHIP"]


def test_county_offices_and_municipal_police_leave_out_bodies_without_one_jurisdiction() -> None:
    assert county_office("Crow Wing County Sheriff's Office")
    assert county_office("Hopewell Sheriff")
    assert county_office("Orleans Parish Sheriff's Office")
    assert not county_office("Southwest Virginia Regional Jail Authority")
    assert not county_office("Albemarle District Jail")
    assert not county_office("Office of The District Attorney - Eighth District")
    assert municipal_police("Tampa PD")
    assert municipal_police("Gordonsville Department of Public Safety")
    assert municipal_police("City of Miami Police Department")
    assert not municipal_police("University of Florida Police Department")
    assert not municipal_police("Sanford Airport Police Department")
    assert not municipal_police("York County Regional Police Department")
    assert not municipal_police("Caney Valley Public Schools Police Department")


@pytest.mark.parametrize(
    ("name", "level", "names_a_county", "kind"),
    [
        ("Stamford Police Department", "county", False, "municipal"),
        ("Haskell County Sheriff's Office", "municipal", True, "county"),
        ("Hopewell Sheriff", "county", False, "county"),
        ("Bexar County Constable Precinct 3", "municipal", True, "county"),
        ("Texas National Guard", "state", False, "state"),
        ("Office of the State Attorney, 20th Judicial Circuit", "state", False, "other"),
        ("University of Florida Police Department", "municipal", False, "other"),
        ("York County Regional Police Department", "municipal", True, "other"),
        ("Kleberg County Attorney's Specialized Crimes & Narcotics Task Force", "county", True, "county"),
        ("Coolspring Township Constable's Office", "municipal", False, "municipal"),
        ("Caney Valley Public Schools Police Department", "municipal", False, "other"),
        ("Albemarle District Jail", "county", False, "other"),
    ],
)
def test_classify_agency_reads_the_name_before_ices_type(
    name: str, level: str, names_a_county: bool, kind: str
) -> None:
    assert classify_agency(match_text(name), level, names_a_county)[0] == kind


# ---- real data ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def census(source_mirror: Path) -> CensusTables:
    geo = source_mirror / "geo"
    return CensusTables.from_frames(
        read_county_population(source_mirror / "census" / "co-est2024-alldata.csv"),
        read_subcounty_population(source_mirror / "census" / "sub-est2024.csv"),
        read_gazetteer(geo / "2024_Gaz_counties_national.txt", "county"),
        read_gazetteer(geo / "2025_Gaz_place_national.txt", "place"),
        read_gazetteer(geo / "2025_Gaz_cousubs_national.txt", "county_subdivision"),
    )


@pytest.fixture(scope="session")
def overrides() -> pd.DataFrame:
    return pd.read_csv(OVERRIDES, dtype=str, keep_default_na=False)


def state_lookup(census: CensusTables) -> pd.DataFrame:
    """ICE's upper-case state names to USPS code and FIPS (production cleaning does this elsewhere)."""
    states = census.counties[census.counties["sumlev"] == "040"]
    usps = census.county_points.assign(state_fips=census.county_points["geoid"].str[:2])
    usps = usps.drop_duplicates("state_fips")[["state_fips", "state_code"]]
    lookup = states.merge(usps, on="state_fips").assign(STATE=lambda f: f["state_name"].str.upper())
    territories = pd.DataFrame(
        [(name, code, fips) for name, (code, fips) in TERRITORIES.items()],
        columns=["STATE", "state_code", "state_fips"],
    )
    return pd.concat([lookup[["STATE", "state_code", "state_fips"]], territories], ignore_index=True)


def agencies_of(path: Path, census: CensusTables) -> pd.DataFrame:
    """One row per agency of an ICE list, in the shape match_agencies expects."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    raw = pd.DataFrame(rows[1:], columns=[str(cell).strip() for cell in rows[0]]).astype(str)
    raw = raw[raw["STATE"].str.strip() != ""]
    agencies = pd.DataFrame(
        {
            "STATE": raw["STATE"].str.strip(),
            "agency_name": raw["LAW ENFORCEMENT AGENCY"].map(display_name),
            "level": raw["TYPE"].str.strip().map(ICE_LEVELS),
            "county_name": raw["COUNTY"],
        }
    )
    agencies["agency_key"] = agencies["agency_name"].map(agency_key)
    agencies = agencies.merge(state_lookup(census), on="STATE", how="left", validate="many_to_one")
    return agencies.drop_duplicates(["state_code", "agency_key"]).drop(columns="STATE").reset_index(drop=True)


@pytest.fixture(scope="session")
def ice_agencies(source_mirror: Path, census: CensusTables) -> pd.DataFrame:
    return agencies_of(source_mirror / "ice" / NEWEST_LIST, census)


@pytest.fixture(scope="session")
def matched(ice_agencies: pd.DataFrame, census: CensusTables, overrides: pd.DataFrame) -> JurisdictionMatch:
    return match_agencies(ice_agencies, census, overrides)


def row_of(matched: JurisdictionMatch, state: str, name: str) -> pd.Series:
    table = matched.jurisdictions
    hits = table[(table["state_code"] == state) & (table["agency_key"] == agency_key(name))]
    assert len(hits) == 1, f"{state} {name}: {len(hits)} rows"
    return hits.iloc[0]


def test_one_row_per_agency_with_contract_columns(
    ice_agencies: pd.DataFrame, matched: JurisdictionMatch
) -> None:
    assert list(matched.jurisdictions.columns) == JURISDICTION_COLUMNS
    assert list(matched.county_bridge.columns) == BRIDGE_COLUMNS
    assert len(matched.jurisdictions) == len(ice_agencies) > 1500
    levels = set(matched.jurisdictions["jurisdiction_level"])
    assert levels == {"county", "place", "county_subdivision", "state", "other"}


# (state, agency as ICE writes it, level, county_fips, place_geoid or None, population)
HAND_CHECKED = [
    ("VA", "Hopewell County Sheriff's Office", "county", "51670", None, 22970),  # independent city
    ("VA", "Richmond County Sheriff's Office", "county", "51159", None, 9215),  # the county, not the city
    ("LA", "Calcasieu Parish Sheriff's Office", "county", "22019", None, 206861),  # ICE column "Calacasieu"
    ("LA", "St. Bernard Parish Sheriff's Office", "county", "22087", None, 44783),
    ("FL", "Jacksonville Sheriff's Office", "county", "12031", None, None),  # consolidated with Duval
    ("FL", "Miami-Dade Corrections and Rehabilitation", "county", "12086", None, None),
    ("MO", "Saint Charles County Police Department", "county", "29183", None, None),
    ("TX", "Neuces County Constable Precinct 5", "county", "48355", None, None),
    ("MI", "Berrian County Sheriff's Office", "county", "26021", None, None),
    ("OK", "Haskell County Sheriff's Office", "county", "40061", None, None),  # filed as Municipality
    ("NV", "Las Vegas Metropolitan Police Department", "county", "32003", None, 2398871),  # override
    ("TX", "Stamford Police Department", "place", "48253", "4869980", 2952),  # filed as County
    ("TX", "Yoakum Police Department", "place", "48285", "4880560", 5875),  # ICE says Yoakum County
    ("IN", "Shirley Police Department", "place", "18059", "1869516", 840),
    ("AL", "Cherokee Police Department", "place", "01033", "0114152", 967),  # ICE says Cherokee County
    ("FL", "City of Miami Police Department", "place", "12086", "1245000", 487014),
    ("FL", "Port Saint Lucie Police Department", "place", "12111", "1258715", 258575),
    ("TX", 'Cut "N" Shoot Police Department', "place", "48339", "4818260", 1190),
    ("TX", "Saint Hedwig Marshal's Office", "place", "48029", "4864172", 2377),
    ("OK", "Boise City Police Department", "place", "40025", "4007300", 1077),
    ("NY", "Mohawk Village Police Department", "place", "36043", "3647823", 2376),
    ("PA", "Bradford Police Department", "place", "42083", "4208040", 7538),  # city, not the township
    ("PA", "Springdale Borough Police Department", "place", "42003", "4272960", 3272),
    ("VA", "Gordonsville Department of Public Safety", "place", "51137", "5131936", 1509),
    ("KY", "Middlesboro Police Department", "place", "21013", "2151924", 8899),  # override
    ("PA", "Butler Township Police Department", "county_subdivision", "42079", "4207910480", 10141),
    ("PA", "Union Township Police Department", "county_subdivision", "42125", "4212578432", 5492),
    ("PA", "Mahoning TWP Police Department - Montour", "county_subdivision", "42093", "4209346656", 4521),
    (
        "PA",
        "Pennsylvania State Constable's Office So Middleton Twp",
        "county_subdivision",
        "42041",
        "4204172336",
        17562,
    ),
    ("PA", "East Pennsylvania Township Constable Office", "county_subdivision", "42041", "4204121680", 21490),
    ("NH", "Pittsburgh Police Department", "county_subdivision", "33007", "3300761780", 837),
    ("NH", "Auburn Police Department", "county_subdivision", "33015", "3301502820", 6263),
]


@pytest.mark.parametrize(("state", "name", "level", "county", "geoid", "population"), HAND_CHECKED)
def test_hand_checked_matches(
    matched: JurisdictionMatch,
    state: str,
    name: str,
    level: str,
    county: str,
    geoid: str | None,
    population: int | None,
) -> None:
    row = row_of(matched, state, name)
    assert (row["jurisdiction_level"], row["county_fips"]) == (level, county)
    assert (row["place_geoid"] if pd.notna(row["place_geoid"]) else None) == geoid
    if population is not None:
        assert row["population"] == population
    assert pd.notna(row["population"]) and pd.notna(row["latitude"]) and pd.isna(row["not_found_reason"])


def test_georgia_city_is_located_but_has_no_population(matched: JurisdictionMatch) -> None:
    row = row_of(matched, "GA", "Statesboro Police Department")
    assert (row["jurisdiction_level"], row["place_geoid"], row["match_method"]) == (
        "place",
        "1373256",
        "place exact",
    )
    assert pd.isna(row["population"])
    assert "GA" in row["not_found_reason"] and "sub-county" in row["not_found_reason"]
    assert row["latitude"] == pytest.approx(32.44, abs=0.05)
    assert (row["county_fips"], row["county_source"]) == ("13031", "ice_county_column")


def test_no_georgia_municipal_agency_gets_a_population(matched: JurisdictionMatch, ice_agencies) -> None:
    table = matched.jurisdictions.merge(ice_agencies[["state_code", "agency_key", "level"]])
    georgia = table[(table["state_code"] == "GA") & (table["level"] == "municipal")]
    assert len(georgia) == 13
    assert georgia["population"].isna().all()
    assert georgia["not_found_reason"].notna().all()


def test_state_agency_gets_state_population_and_centroid(matched: JurisdictionMatch) -> None:
    row = row_of(matched, "TX", "Texas National Guard")
    assert (row["jurisdiction_level"], row["state_fips"], row["population"]) == ("state", "48", 31290831)
    assert pd.isna(row["county_fips"])
    assert row["latitude"] == pytest.approx(30.9, abs=0.5) and row["longitude"] == pytest.approx(-97.3, abs=1)
    guam = row_of(matched, "GU", "Office Of The Attorney General")
    assert guam["jurisdiction_level"] == "state" and pd.isna(guam["population"])
    assert guam["match_method"] == "not found" and "66" in guam["not_found_reason"]


def test_bodies_without_jurisdiction_are_not_found_with_reason(matched: JurisdictionMatch) -> None:
    campus = row_of(matched, "FL", "University of Central Florida Police Department")
    assert (campus["jurisdiction_level"], campus["match_method"]) == ("other", "not found")
    assert pd.isna(campus["population"]) and "campus" in campus["not_found_reason"]
    assert (campus["county_fips"], campus["county_source"]) == ("12095", "ice_county_column")
    regional = row_of(matched, "PA", "Lebanon County Regional Police Department")
    assert regional["match_method"] == "not found" and "regional" in regional["not_found_reason"]
    ward = row_of(matched, "LA", "Ward 5 Marshal's Office")
    assert ward["match_method"] == "not found" and "best:" in ward["not_found_reason"]


def test_multi_county_place_has_one_bridge_row_per_county(matched: JurisdictionMatch) -> None:
    bridge = matched.county_bridge
    stamford = bridge[bridge["agency_key"] == agency_key("Stamford Police Department")]
    assert stamford[["county_fips", "part_population"]].values.tolist() == [["48207", 40], ["48253", 2912]]
    yoakum = bridge[(bridge["agency_key"] == agency_key("Yoakum Police Department"))]
    assert dict(zip(yoakum["county_fips"], yoakum["part_population"], strict=True)) == {
        "48123": 2036,
        "48285": 3839,
    }


def test_georgia_place_is_bridged_to_ices_county_without_part_population(matched: JurisdictionMatch) -> None:
    bridge = matched.county_bridge
    statesboro = bridge[bridge["agency_key"] == agency_key("Statesboro Police Department")]
    assert statesboro[["county_fips", "county_source"]].values.tolist() == [["13031", "ice_county_column"]]
    assert statesboro["part_population"].isna().all()
    assert set(bridge.loc[bridge["state_code"] != "GA", "county_source"]) == {"census"}


def test_match_rates_measure_the_targets(matched: JurisdictionMatch, ice_agencies: pd.DataFrame) -> None:
    table = matched.jurisdictions.merge(ice_agencies[["state_code", "agency_key", "level"]])
    rates = match_rates(table)
    assert rates["county office match rate"] == 1.0
    assert (rates["county offices"], rates["county offices matched"]) == (807, 807)
    # The one miss is Florida Atlantic's campus police, whose name does not say "University" (an override).
    assert (rates["municipal police outside GA"], rates["municipal police matched outside GA"]) == (573, 572)
    assert rates["municipal police match rate outside GA"] >= 0.97


def test_override_listing_several_counties_sums_them(matched: JurisdictionMatch) -> None:
    name = "Rappahannock, Shenandoah, Warren Regional Jail Authority"
    row = row_of(matched, "VA", name)
    assert (row["match_method"], row["county_fips"], row["population"]) == ("override", "51157", 95381)
    bridge = matched.county_bridge[matched.county_bridge["agency_key"] == agency_key(name)]
    assert bridge["county_fips"].tolist() == ["51157", "51171", "51187"]
    assert bridge["part_population"].sum() == 95381


def test_match_rates_meet_targets(matched: JurisdictionMatch, ice_agencies: pd.DataFrame) -> None:
    table = matched.jurisdictions.merge(ice_agencies[["state_code", "agency_key", "level"]])
    found = table["match_method"] != "not found"
    county = table["level"] == "county"
    unmatched_county = set(table.loc[county & ~found, "agency_name"])
    assert unmatched_county == {
        "Southwest Virginia Regional Jail Authority",
        "Office of The District Attorney - Eighth District",
    }
    municipal = (table["level"] == "municipal") & (table["state_code"] != "GA")
    no_census_body = table["not_found_reason"].str.contains("campus|airport|regional", na=False)
    police = municipal & ~no_census_body
    assert found[police].mean() >= 0.99
    assert found[municipal].mean() >= 0.95


def test_low_scores_and_ties_are_not_found_naming_candidates(census: CensusTables) -> None:
    agencies = pd.DataFrame(
        {
            "state_code": ["PA", "FL", "AK", "CT", "VA"],
            "state_fips": ["42", "12", "02", "09", "51"],
            "agency_name": [
                "Union Township Police Department",
                "Sunny Isles Police Department",
                "Matanuska-Susitna Borough Jail",
                "Capitol Planning Region Sheriff",
                "Hopewell Sheriff",
            ],
            "level": ["municipal", "municipal", "county", "county", "county"],
            "county_name": ["", None, "", "", "#NA"],
        }
    )
    agencies["agency_key"] = agencies["agency_name"].map(agency_key)
    result = match_agencies(agencies, census, pd.DataFrame(columns=OVERRIDE_COLUMNS)).jurisdictions
    union, sunny, borough, region, hopewell = (result.iloc[i] for i in range(5))
    assert union["match_method"] == "not found" and "several jurisdictions" in union["not_found_reason"]
    assert "Union township" in union["not_found_reason"]
    assert (
        sunny["match_method"] == "not found" and "Sunny Isles Beach city 1269555" in sunny["not_found_reason"]
    )
    assert (borough["county_fips"], borough["jurisdiction_name"]) == ("02170", "Matanuska-Susitna Borough")
    assert (region["county_fips"], region["jurisdiction_name"]) == ("09110", "Capitol Planning Region")
    assert (hopewell["county_fips"], hopewell["match_method"], hopewell["population"]) == (
        "51670",
        "county name",
        22970,
    )


def test_overrides_have_reasons_and_existing_geoids(overrides: pd.DataFrame, census: CensusTables) -> None:
    assert list(overrides.columns) == OVERRIDE_COLUMNS
    assert (overrides["reason"].str.len() > 20).all()
    known = (
        set(census.counties["county_fips"].dropna())
        | set(census.places["place_geoid"])
        | set(census.cousubs["cousub_geoid"])
    )
    listed = {geoid for cell in overrides["geoid"] for geoid in cell.split(";") if geoid}
    assert listed and listed <= known


def test_the_match_is_reused_only_for_the_same_agencies_overrides_and_census(tmp_path) -> None:
    from g287_assets.lib.geography.agencies import MATCH_INPUTS, cached_match
    from g287_assets.lib.geography.jurisdictions import JurisdictionMatch

    agencies = pd.DataFrame(
        [
            [
                "FL",
                "12",
                "Lee County Sheriff's Office",
                "LEE COUNTY SHERIFFS OFFICE",
                "county",
                "Lee",
                "2026-05-18",
            ]
        ],
        columns=[*MATCH_INPUTS, "last_seen_date"],
    )
    overrides = pd.DataFrame(columns=["state_code", "agency_name", "jurisdiction_level", "geoid", "reason"])
    calls = []

    def match() -> JurisdictionMatch:
        calls.append(1)
        return JurisdictionMatch(
            pd.DataFrame(
                {"agency_key": ["LEE COUNTY SHERIFFS OFFICE"], "population": pd.array([822_453], "Int64")}
            ),
            pd.DataFrame({"county_fips": ["12071"], "part_population": pd.array([pd.NA], "Int64")}),
        )

    first, reused = cached_match(tmp_path, agencies, overrides, "census-a", match)
    assert (reused, len(calls)) == (False, 1)
    # A later list that only re-dates the agency: the same match, read back with its types.
    again, reused = cached_match(
        tmp_path, agencies.assign(last_seen_date="2026-05-19"), overrides, "census-a", match
    )
    assert (reused, len(calls)) == (True, 1)
    pd.testing.assert_frame_equal(again.jurisdictions, first.jurisdictions)
    pd.testing.assert_frame_equal(again.county_bridge, first.county_bridge)
    # Another county written by ICE, another Census source: matched again each time.
    assert (
        cached_match(tmp_path, agencies.assign(county_name="Collier"), overrides, "census-a", match)[1]
        is False
    )
    assert cached_match(tmp_path, agencies, overrides, "census-b", match)[1] is False
    assert len(calls) == 3
    assert len(list((tmp_path / "agency_matches").glob("*.parquet"))) == 2
