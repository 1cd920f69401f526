"""Which Census jurisdiction each 287(g) agency serves, with its population, point, and how it was matched.

Per-capita figures and "population covered" need every agency tied to the people it polices: a sheriff to
its county, a city police department to its incorporated place, a township police department to its county
subdivision, a state agency to its state. ICE gives only a free-text name, a TYPE that is sometimes wrong
(a town police department filed as "County") and a COUNTY column full of typos, so the matcher reads the
name first, uses the COUNTY column to choose between places of the same name, and refuses to guess: a
candidate below the score threshold, or several equally good ones, come out NOT FOUND with the reason and
the best candidate named. Reviewed decisions live in the overrides table (data/reference), which wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from g287_assets.lib.normalize import agency_key, clean_text
from g287_assets.lib.sources.census import COUSUB_SUMLEV, PLACE_PART_SUMLEV, PLACE_SUMLEV, STATE_SUMLEV

JURISDICTION_COLUMNS = [
    "state_code",
    "agency_name",
    "agency_key",
    "jurisdiction_level",
    "state_fips",
    "county_fips",
    "place_geoid",
    "jurisdiction_name",
    "population",
    "latitude",
    "longitude",
    "match_method",
    "match_score",
    "not_found_reason",
    "override_reason",
    "county_source",
    "county_cell_fips",
    "county_cell_match",
]
BRIDGE_COLUMNS = ["agency_key", "state_code", "county_fips", "part_population", "county_source"]
OVERRIDE_COLUMNS = ["state_code", "agency_name", "jurisdiction_level", "geoid", "reason"]

# Scores are rapidfuzz ratios (0-100) of normalized names. Below these a candidate is reported, not used.
PLACE_MIN_SCORE = 90.0
COUNTY_MIN_SCORE = 85.0
# A COUNTY cell one edit from exactly one county's name is read as that county, if both are this long:
# shorter names ("Pop", "Lee", "Rush") are too close to each other for a slip to be told from another county.
TYPO_MIN_LENGTH = 4
TYPO_SCORE = 90.0

NOT_FOUND = "not found"

# Census writes "St. Cloud", "Mount Carmel", "Fort Myers"; ICE writes any form. Both sides are folded here.
_WORD_FORMS = {
    "ST": "SAINT",
    "STE": "SAINTE",
    "MT": "MOUNT",
    "FT": "FORT",
    "TWP": "TOWNSHIP",
    "TWSP": "TOWNSHIP",
    "SO": "SOUTH",
}

# The words that say what kind of office an agency is, as opposed to where it is. Removing them leaves
# the place name; they split "Mahoning TWP Police Department - Montour" into "Mahoning TWP" and "Montour".
# "Constable" is matched by its first letters because ICE misspells it ("Constbales", "Constables's").
_AGENCY_WORDS = re.compile(
    r"\b(?:"
    r"POLICE (?:SERVICES )?DEPART\w*|POLICE DEPT|POLICE|PD|DEPARTMENT OF PUBLIC SAFETY|PUBLIC SAFETY"
    r"|PENNSYLVANIA STATE CONST[AB]\w* OFFICE|(?:PA )?STATE CONST[AB]\w*|CONST[AB]\w* OFFICE|CONST[AB]\w*"
    r"|CITY MARSHALS? OFFICE|MARSHALS? OFFICE|MARSHALS?"
    r"|SHERIFFS? (?:OFFICE|DEPARTMENT)|SHERIFFS?"
    r"|(?:DIVISION OF |DEPARTMENT OF )?CORRECTIONS?(?: AND REHABILITATION| DEPARTMENT)?"
    r"|CORRECTIONAL FACILITY|DETENTION (?:CENTER|FACILITY)|JAIL|PRISON"
    r"|(?:CRIMINAL )?DISTRICT ATTORNEYS? OFFICE|ATTORNEYS? OFFICE|PROSECUTORS? OFFICE"
    r"|BOARD OF COUNTY COMMISSIONERS|CRIMINAL JUSTICE AUTHORITY"
    r"|PRECINCT \d+|PCT \d+|DISTRICT \d+|\w+ WARD"
    r")\b"
)
_LEADING_KIND = re.compile(r"^(?:CITY|TOWN|VILLAGE|BOROUGH|TOWNSHIP) OF ")

# Bodies with no Census jurisdiction of their own, checked before anything else (reason in the output).
_NO_JURISDICTION = (
    (
        re.compile(r"\bUNIVERSITY\b|\bCOLLEGE\b|\bBOARD OF TRUSTEES\b"),
        "campus police: a campus is not a Census jurisdiction",
    ),
    (
        re.compile(r"\bPUBLIC SCHOOLS?\b|\bSCHOOL DISTRICT\b"),
        "school district police: a school district is not a Census jurisdiction",
    ),
    (re.compile(r"\bAIRPORT\b"), "airport police: an airport is not a Census jurisdiction"),
    (
        re.compile(r"\bREGIONAL POLICE\b|\bPOLICE COOPERATIVE\b"),
        "regional police serving several municipalities: no single Census jurisdiction",
    ),
    (
        re.compile(r"\bREGIONAL JAIL\b|\bDISTRICT JAIL\b"),
        "regional or district jail serving several counties: no single Census jurisdiction",
    ),
)
# Multi-county bodies, unless the name itself names one county ("Kleberg County Attorney's ... Task Force").
_MULTI_COUNTY = (
    (
        re.compile(r"\bJUDICIAL (?:CIRCUIT|DISTRICT|DISTRIC)\b|\bDISTRICT ATTORNEY \w+ DISTRICT\b"),
        "office of a multi-county judicial district or circuit: no single Census jurisdiction",
    ),
    (re.compile(r"\bTASK FORCE\b"), "multi-jurisdiction task force: no single Census jurisdiction"),
)
# Offices that are county government wherever they sit (sheriffs, jails, prosecutors).
_COUNTY_OFFICE = re.compile(
    r"\bSHERIFF|\bJAIL\b|\bDETENTION\b|\bCORRECTION|\bPRISON\b|\bPROSECUTOR|\bATTORNEY|\bCOMMISSIONERS\b"
    r"|\bCRIMINAL JUSTICE AUTHORITY\b|\bCOUNTY\b|\bPARISH\b"
)
# County-equivalent kinds that a name can carry ("Orleans Parish", "Kodiak Island Borough"); "city" is left
# out so that a Virginia city police department stays a place.
_COUNTY_KIND = re.compile(
    r"\b(?:COUNTY|PARISH|BOROUGH|CENSUS AREA|MUNICIPALITY|CITY AND BOROUGH|PLANNING REGION)$"
)
_COUNTY_SUFFIX = re.compile(
    r"\s+(?:County|Parish|Borough|Census Area|Municipality|City and Borough|city|Planning Region)$"
)
# Census place and MCD names end with their legal kind in lower case: "Boise City city", "Mahanoy City
# borough", "Nashville-Davidson metropolitan government (balance)".
_PLACE_SUFFIX = re.compile(r"(?:\s+(?:[a-z][a-z\-]*|\(balance\)|\(pt\.\)))+$")
_SHERIFF_OR_COUNTY = re.compile(r"\bSHERIFF|\bCOUNTY\b|\bPARISH\b")
_POLICE = re.compile(r"\bPOLICE\b|\bPD\b|\bPUBLIC SAFETY\b")
_NULL_COUNTY = {"", "#NA", "N/A", "NA", "NONE", "UNKNOWN"}
_COUNTY_WORDS = ("COUNTY", "PARISH", "BOROUGH")


@dataclass(frozen=True)
class CensusTables:
    """The Census frames the matcher joins to, as returned by the readers in `census`.

    counties: states and counties (read_county_population). places, cousubs, place_county_parts: the 162,
    061 and 157 rows of read_subcounty_population. The three *_points frames: read_gazetteer output.
    """

    counties: pd.DataFrame
    places: pd.DataFrame
    cousubs: pd.DataFrame
    place_county_parts: pd.DataFrame
    county_points: pd.DataFrame
    place_points: pd.DataFrame
    cousub_points: pd.DataFrame

    @classmethod
    def from_frames(
        cls,
        county_population: pd.DataFrame,
        subcounty_population: pd.DataFrame,
        county_points: pd.DataFrame,
        place_points: pd.DataFrame,
        cousub_points: pd.DataFrame,
    ) -> CensusTables:
        """Split the sub-county file by summary level so each table has one grain."""
        by_level = {
            level: subcounty_population[subcounty_population["sumlev"] == level].reset_index(drop=True)
            for level in (PLACE_SUMLEV, COUSUB_SUMLEV, PLACE_PART_SUMLEV)
        }
        return cls(
            counties=county_population,
            places=by_level[PLACE_SUMLEV],
            cousubs=by_level[COUSUB_SUMLEV],
            place_county_parts=by_level[PLACE_PART_SUMLEV],
            county_points=county_points,
            place_points=place_points,
            cousub_points=cousub_points,
        )


@dataclass(frozen=True)
class JurisdictionMatch:
    """One row per agency (`jurisdictions`) and one row per county each matched jurisdiction touches."""

    jurisdictions: pd.DataFrame
    county_bridge: pd.DataFrame


@dataclass(frozen=True)
class _Decision:
    """What the matcher concluded for one agency; geoids are empty when nothing was found."""

    level: str
    geoids: tuple[str, ...]
    method: str
    score: float | None
    reason: str | None = None
    override_reason: str | None = None


def match_text(value: object) -> str:
    """A name folded for comparison: agency_key form with Saint/St., Mount/Mt., Township/Twp. made one."""
    return " ".join(_WORD_FORMS.get(word, word) for word in agency_key(value).split())


def place_base_name(census_name: str) -> str:
    """A Census place or MCD name without its legal kind: "Boise City city" -> "Boise City"."""
    return _PLACE_SUFFIX.sub("", census_name)


def county_base_name(census_name: str) -> str:
    """A county name without its kind: "Hopewell city" -> "Hopewell", "Orleans Parish" -> "Orleans"."""
    return _COUNTY_SUFFIX.sub("", census_name)


def name_segments(agency: str) -> list[str]:
    """The place-name parts of an agency name, with office words and "City of" removed.

    "City of Miami Police Department" -> ["MIAMI"]; "Mahoning TWP Police Department - Montour" ->
    ["MAHONING TOWNSHIP", "MONTOUR"]. Each part is tried, so a trailing county name does no harm.
    """
    parts = _AGENCY_WORDS.split(match_text(agency))
    segments = [_LEADING_KIND.sub("", part.strip()).strip() for part in parts]
    return [segment for segment in segments if segment]


def _points(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of a Gazetteer frame that locate a GEOID."""
    return frame[["geoid", "latitude", "longitude"]]


def _state_points(counties: pd.DataFrame, county_points: pd.DataFrame) -> pd.DataFrame:
    """A population-weighted mean of each state's county internal points: where its people are."""
    located = counties.dropna(subset=["county_fips"]).merge(
        _points(county_points), left_on="county_fips", right_on="geoid"
    )
    weight = located["population"].astype(float)
    sums = (
        located.assign(lat_w=located["latitude"] * weight, lon_w=located["longitude"] * weight, w=weight)
        .groupby("state_fips", as_index=False)[["lat_w", "lon_w", "w"]]
        .sum()
    )
    return sums.assign(latitude=sums["lat_w"] / sums["w"], longitude=sums["lon_w"] / sums["w"])[
        ["state_fips", "latitude", "longitude"]
    ]


def _missing_place_states(census: CensusTables) -> pd.DataFrame:
    """Incorporated places of states the sub-county file lacks (Georgia): named and located, no population.

    Their rows come from the place Gazetteer (active governments only, not CDPs), so a Georgia city police
    department can still be matched to its city and given a point, while its population stays unknown.
    """
    points = census.place_points
    state_fips = points["geoid"].str[:2]
    missing = points[
        ~state_fips.isin(set(census.places["state_fips"]))
        & state_fips.isin(set(census.counties["state_fips"]))
        & (points["funcstat"] == "A")
    ]
    return pd.DataFrame(
        {
            "level": "place",
            "geoid": missing["geoid"],
            "state_fips": missing["geoid"].str[:2],
            "name": missing["name"],
            "population": pd.Series(pd.NA, index=missing.index, dtype="Int64"),
            "population_gap": "Census place population unavailable: the sub-county estimates file has no "
            + missing["state_code"]
            + " rows"
            + " (matched to the Gazetteer place for its point only)",
        }
    )


def jurisdiction_catalogue(census: CensusTables) -> pd.DataFrame:
    """Every jurisdiction an agency can be given, one row per (level, geoid), with name, population and point.

    The principal county of a place is its most populous county part; a county subdivision lies in one.
    `population_gap` says why a row has no population (Georgia places).
    """
    counties = census.counties
    states = counties[counties["sumlev"] == STATE_SUMLEV].merge(
        _state_points(counties, census.county_points), on="state_fips", how="left"
    )
    state_rows = states.assign(level="state", geoid=states["state_fips"], name=states["state_name"])
    county_rows = (
        counties.dropna(subset=["county_fips"])
        .merge(_points(census.county_points), left_on="county_fips", right_on="geoid", how="left")
        .assign(level="county", name=lambda f: f["county_name"])
    )
    principal = census.place_county_parts.sort_values("population", ascending=False, kind="stable")
    principal = principal.drop_duplicates("place_geoid")[["place_geoid", "county_fips"]]
    place_rows = (
        census.places.drop(columns=["county_fips"])
        .merge(principal, on="place_geoid", how="left")
        .assign(level="place", geoid=lambda f: f["place_geoid"])
        .merge(_points(census.place_points), on="geoid", how="left")
    )
    cousub_rows = census.cousubs.assign(level="county_subdivision", geoid=lambda f: f["cousub_geoid"]).merge(
        _points(census.cousub_points), on="geoid", how="left"
    )
    missing_rows = _missing_place_states(census).merge(_points(census.place_points), on="geoid", how="left")
    columns = [
        "level",
        "geoid",
        "state_fips",
        "county_fips",
        "name",
        "population",
        "latitude",
        "longitude",
        "population_gap",
    ]
    frames = [state_rows, county_rows, place_rows, cousub_rows, missing_rows]
    catalogue = pd.concat([frame.reindex(columns=columns) for frame in frames], ignore_index=True)
    catalogue["county_fips"] = catalogue["county_fips"].where(catalogue["level"] != "state")
    return catalogue.astype({"population": "Int64"})


def _state_codes(census: CensusTables) -> pd.DataFrame:
    """USPS code of each state FIPS, as the county Gazetteer writes it (the estimates have only names)."""
    points = census.county_points
    codes = points.assign(state_fips=points["geoid"].str[:2])[["state_fips", "state_code"]]
    return codes.drop_duplicates("state_fips")


def _gazetteer_columns(points: pd.DataFrame) -> pd.DataFrame:
    return points[["geoid", "latitude", "longitude", "land_area_sqmi"]]


def states_table(census: CensusTables) -> pd.DataFrame:
    """geo.states: the 50 states and DC with population, county count and population-weighted point."""
    counties = census.counties
    states = counties[counties["sumlev"] == STATE_SUMLEV]
    county_counts = counties.dropna(subset=["county_fips"]).groupby("state_fips").size().rename("counties")
    table = (
        states.merge(_state_codes(census), on="state_fips", how="left")
        .merge(county_counts, left_on="state_fips", right_index=True, how="left")
        .merge(_state_points(counties, census.county_points), on="state_fips", how="left")
    )
    return table[
        ["state_fips", "state_code", "state_name", "population", "counties", "latitude", "longitude"]
    ].reset_index(drop=True)


def counties_table(census: CensusTables) -> pd.DataFrame:
    """geo.counties: every county and county-equivalent (3,144) with population and internal point."""
    counties = census.counties.dropna(subset=["county_fips"])
    table = counties.merge(_state_codes(census), on="state_fips", how="left").merge(
        _gazetteer_columns(census.county_points), left_on="county_fips", right_on="geoid", how="left"
    )
    columns = ["county_fips", "state_fips", "state_code", "county_name", "population"]
    return table[[*columns, "latitude", "longitude", "land_area_sqmi"]].reset_index(drop=True)


def places_table(census: CensusTables) -> pd.DataFrame:
    """geo.places: incorporated places with population, principal county and point.

    Georgia's places, absent from the sub-county estimates, come from the Gazetteer with no population and
    the reason in `population_gap`, so an agency matched to one still joins to a row here.
    """
    parts = census.place_county_parts
    principal = parts.sort_values("population", ascending=False, kind="stable").drop_duplicates("place_geoid")
    principal = principal[["place_geoid", "county_fips"]]
    county_counts = parts.groupby("place_geoid").size().rename("county_count")
    estimated = (
        census.places.drop(columns=["county_fips"])
        .merge(principal, on="place_geoid", how="left")
        .merge(county_counts, left_on="place_geoid", right_index=True, how="left")
        .assign(county_count=lambda f: f["county_count"].fillna(0).astype(int), population_gap=None)
    )
    missing = _missing_place_states(census).rename(columns={"geoid": "place_geoid"})
    missing = missing.merge(
        census.place_points[["geoid", "funcstat"]], left_on="place_geoid", right_on="geoid", how="left"
    ).assign(county_fips=None, county_count=0)
    columns = ["place_geoid", "state_fips", "name", "funcstat", "county_fips", "county_count", "population"]
    table = pd.concat(
        [estimated[[*columns, "population_gap"]], missing[[*columns, "population_gap"]]], ignore_index=True
    )
    table = table.merge(_state_codes(census), on="state_fips", how="left").merge(
        _gazetteer_columns(census.place_points), left_on="place_geoid", right_on="geoid", how="left"
    )
    ordered = [*columns[:2], "state_code", *columns[2:], "latitude", "longitude", "land_area_sqmi"]
    return table[[*ordered, "population_gap"]].astype({"population": "Int64"}).reset_index(drop=True)


def county_subdivisions_table(census: CensusTables) -> pd.DataFrame:
    """geo.county_subdivisions: towns, townships and other county subdivisions with population and point."""
    table = census.cousubs.merge(_state_codes(census), on="state_fips", how="left").merge(
        _gazetteer_columns(census.cousub_points), left_on="cousub_geoid", right_on="geoid", how="left"
    )
    columns = ["cousub_geoid", "state_fips", "state_code", "county_fips", "name", "funcstat", "population"]
    return table[[*columns, "latitude", "longitude", "land_area_sqmi"]].reset_index(drop=True)


def place_county_parts_table(census: CensusTables) -> pd.DataFrame:
    """geo.place_county_parts: the part of each place inside each county it touches, with its people."""
    parts = census.place_county_parts
    return parts[["place_geoid", "county_fips", "state_fips", "name", "population"]].reset_index(drop=True)


def county_bridge_parts(census: CensusTables) -> pd.DataFrame:
    """Each jurisdiction's county parts: a place's SUMLEV 157 rows, a subdivision's or county's own county."""
    places = census.place_county_parts.assign(level="place", geoid=lambda f: f["place_geoid"])
    cousubs = census.cousubs.assign(level="county_subdivision", geoid=lambda f: f["cousub_geoid"])
    counties = census.counties.dropna(subset=["county_fips"]).assign(
        level="county", geoid=lambda f: f["county_fips"]
    )
    parts = pd.concat([places, cousubs, counties], ignore_index=True)
    return parts[["level", "geoid", "county_fips", "population"]].rename(
        columns={"population": "part_population"}
    )


@dataclass(frozen=True)
class _Candidates:
    """The jurisdictions of one state an agency may be matched to, with their comparison keys."""

    table: pd.DataFrame
    base_keys: list[str]
    full_keys: list[str]

    @classmethod
    def of(cls, table: pd.DataFrame) -> _Candidates:
        table = table.reset_index(drop=True)
        return cls(table, table["base_key"].tolist(), table["full_key"].tolist())

    def scores(self, segments: list[str]) -> np.ndarray:
        """Each candidate's best ratio over every name segment against its short and its full name."""
        if not segments or not self.base_keys:
            return np.zeros(len(self.base_keys))
        base = process.cdist(segments, self.base_keys, scorer=fuzz.ratio).max(axis=0)
        full = process.cdist(segments, self.full_keys, scorer=fuzz.ratio).max(axis=0)
        return np.maximum(base, full).astype(float)

    def describe(self, scores: np.ndarray, rows: np.ndarray | None = None, limit: int = 3) -> str:
        """The best few candidates with GEOID and score, for a NOT FOUND reason."""
        rows = np.arange(len(scores)) if rows is None else rows
        best = rows[np.argsort(-scores[rows], kind="stable")][:limit]
        names, geoids = self.table["name"], self.table["geoid"]
        return "; ".join(f"{names.iat[i]} {geoids.iat[i]} ({scores[i]:.0f})" for i in best) or "none"


def _county_candidates(catalogue: pd.DataFrame) -> dict[str, _Candidates]:
    counties = catalogue[catalogue["level"] == "county"].copy()
    counties["full_key"] = counties["name"].map(match_text)
    counties["base_key"] = counties["name"].map(county_base_name).map(match_text)
    return {state: _Candidates.of(group) for state, group in counties.groupby("state_fips")}


def _municipal_candidates(
    catalogue: pd.DataFrame, parts: pd.DataFrame, cousubs: pd.DataFrame
) -> dict[str, _Candidates]:
    """Places and county subdivisions by state, with the set of counties each touches.

    Fictitious subdivisions (FUNCSTAT F) are dropped: they repeat a city already present as a place.
    """
    fictitious = set(cousubs.loc[cousubs["funcstat"] == "F", "cousub_geoid"])
    candidates = catalogue[
        catalogue["level"].isin(["place", "county_subdivision"]) & ~catalogue["geoid"].isin(fictitious)
    ].copy()
    touched: dict[tuple[str, str], set[str]] = {}
    for level, geoid, county in zip(parts["level"], parts["geoid"], parts["county_fips"], strict=True):
        touched.setdefault((level, geoid), set()).add(county)
    candidates["counties"] = [
        frozenset(touched.get(key, ())) for key in zip(candidates["level"], candidates["geoid"], strict=True)
    ]
    candidates["full_key"] = candidates["name"].map(match_text)
    candidates["base_key"] = candidates["name"].map(place_base_name).map(match_text)
    return {state: _Candidates.of(group) for state, group in candidates.groupby("state_fips")}


def resolve_county_column(county_text: object, counties: _Candidates) -> tuple[str | None, float]:
    """ICE's COUNTY cell as a county FIPS of the state, only when the cell really names one.

    Returns (FIPS, 100) when the cell is a county's name (case, "St."/"Saint", "County" or "Parish" aside),
    (FIPS, TYPO_SCORE) when it is one slip away from exactly one county's name (a letter missing, extra,
    wrong or two letters swapped: "Pulaksi", "Frankin", "Flager County", "Lake Conty"), and (None, 0) for
    an empty cell, "#NA", or a cell naming no county of the state ("Pop County", "North County").
    """
    return county_cell_match(county_text, counties)[:2]


def county_cell_match(county_text: object, counties: _Candidates) -> tuple[str | None, float, str | None]:
    """resolve_county_column's (FIPS, score) and how the cell was read: exact, typo, no county or None (empty)."""
    cell = clean_text(county_text) if isinstance(county_text, str) else ""
    if cell.upper() in _NULL_COUNTY:
        return None, 0.0, None
    text = match_text(cell)
    if not counties.base_keys:
        return None, 0.0, "no county"
    words = text.split()
    if len(words) > 1 and any(DamerauLevenshtein.distance(words[-1], kind) <= 1 for kind in _COUNTY_WORDS):
        words = words[:-1]
    base_text = " ".join(words)
    # A full name ("Richmond County") settles what a bare one ("Richmond": county or city) leaves open.
    exact = {i for i, full in enumerate(counties.full_keys) if text == full} or {
        i for i, base in enumerate(counties.base_keys) if base_text == base
    }
    if len(exact) == 1:
        return str(counties.table["geoid"].iat[exact.pop()]), 100.0, "exact"
    typos = [
        i
        for i, base in enumerate(counties.base_keys)
        if min(len(base), len(base_text)) >= TYPO_MIN_LENGTH
        and DamerauLevenshtein.distance(base_text, base) == 1
    ]
    if not exact and len(typos) == 1:
        return str(counties.table["geoid"].iat[typos[0]]), TYPO_SCORE, "typo"
    return None, 0.0, "no county"


def _named_county(key: str, counties: _Candidates) -> str | None:
    """The county whose full name ("ST CHARLES COUNTY", "ORLEANS PARISH") is word for word in the name.

    The longest wins, so "WEST BATON ROUGE PARISH" is never read as "BATON ROUGE PARISH".
    """
    padded = f" {key} "
    named = [
        (len(full), i)
        for i, full in enumerate(counties.full_keys)
        if _COUNTY_KIND.search(full) and f" {full} " in padded
    ]
    return str(counties.table["geoid"].iat[max(named)[1]]) if named else None


def classify_agency(key: str, level: str, names_a_county: bool) -> tuple[str, str | None]:
    """The kind of jurisdiction an agency's name and ICE level point to: county, municipal, state or other.

    The name is read before ICE's TYPE, which is sometimes wrong ("Stamford Police Department" filed as
    County, "Haskell County Sheriff's Office" as Municipality). Returns the kind and, for 'other', why.
    """
    for pattern, reason in _NO_JURISDICTION:
        if pattern.search(key):
            return "other", reason
    multi_county = next((reason for pattern, reason in _MULTI_COUNTY if pattern.search(key)), None)
    if level == "state":
        return ("other", multi_county) if multi_county else ("state", None)
    if names_a_county:
        return "county", None
    if multi_county:
        return "other", multi_county
    if _COUNTY_OFFICE.search(key):
        return "county", None
    return "municipal", None


def _match_county(
    key: str, segments: list[str], column: tuple[str | None, float], counties: _Candidates
) -> _Decision:
    """A county office's county: named in full, then named bare (an independent city), then ICE's column."""
    named = _named_county(key, counties)
    if named:
        return _Decision("county", (named,), "county name", 100.0)
    bare_segments = {_COUNTY_KIND.sub("", segment).strip() for segment in segments} | set(segments)
    bare = [
        i
        for i, (base, full) in enumerate(zip(counties.base_keys, counties.full_keys, strict=True))
        if base in bare_segments or full in bare_segments
    ]
    if len(bare) == 1:
        return _Decision("county", (str(counties.table["geoid"].iat[bare[0]]),), "county name", 100.0)
    column_fips, column_score = column
    if column_fips:
        return _Decision("county", (column_fips,), "county column", round(column_score, 1))
    scores = counties.scores(segments)
    best = float(scores.max()) if len(scores) else 0.0
    if best >= COUNTY_MIN_SCORE and (scores == best).sum() == 1:
        geoid = str(counties.table["geoid"].iat[int(scores.argmax())])
        return _Decision("county", (geoid,), "county fuzzy", round(best, 1))
    return _Decision(
        "other",
        (),
        NOT_FOUND,
        round(best, 1),
        "county office whose county is neither in its name nor in ICE's COUNTY column; best: "
        + counties.describe(scores),
    )


def _match_municipal(segments: list[str], column_fips: str | None, candidates: _Candidates) -> _Decision:
    """A municipal agency's place or county subdivision, by name within its state.

    Equal best scores are narrowed by ICE's COUNTY column, then a place is preferred to a subdivision of
    the same name (a Pennsylvania borough is both; a village police department serves the village). Any
    tie left, or a best score under PLACE_MIN_SCORE, is NOT FOUND naming the candidates.
    """
    scores = candidates.scores(segments)
    best = float(scores.max()) if len(scores) else 0.0
    if best < PLACE_MIN_SCORE:
        return _Decision(
            "other",
            (),
            NOT_FOUND,
            round(best, 1),
            "no place or county subdivision of the state matches the name well enough; best: "
            + candidates.describe(scores),
        )
    pool = np.flatnonzero(scores == best)
    table = candidates.table
    in_county = [i for i in pool if column_fips in table["counties"].iat[i]]
    if in_county:
        pool = np.array(in_county)
    places = [i for i in pool if table["level"].iat[i] == "place"]
    if places:
        pool = np.array(places)
    if len(pool) > 1:
        return _Decision(
            "other",
            (),
            NOT_FOUND,
            round(best, 1),
            "several jurisdictions match equally and ICE's COUNTY column does not decide: "
            + candidates.describe(scores, pool),
        )
    level = str(table["level"].iat[pool[0]])
    method = f"{'place' if level == 'place' else 'cousub'} {'exact' if best == 100 else 'fuzzy'}"
    return _Decision(level, (str(table["geoid"].iat[pool[0]]),), method, round(best, 1))


def _override_decision(row: dict) -> _Decision:
    """A reviewed override: a level and one or more GEOIDs (';'-separated counties), or none: NOT FOUND."""
    geoids = tuple(part.strip() for part in clean_text(row["geoid"]).split(";") if part.strip())
    reason = clean_text(row["reason"])
    if not geoids:
        return _Decision("other", (), NOT_FOUND, None, reason=reason, override_reason=reason)
    return _Decision(clean_text(row["jurisdiction_level"]), geoids, "override", 100.0, override_reason=reason)


def _override_lookup(overrides: pd.DataFrame) -> dict[tuple[str, str], dict]:
    missing = set(OVERRIDE_COLUMNS) - set(overrides.columns)
    if missing:
        raise ValueError(f"overrides lack columns {sorted(missing)}")
    # The caller may give each row the agency key its reference rules make of the name (abbreviations expanded).
    return {
        (clean_text(row["state_code"]).upper(), row.get("agency_key") or agency_key(row["agency_name"])): row
        for row in overrides.fillna("").to_dict("records")
    }


def _decide(
    agency: dict, counties: _Candidates, municipal: _Candidates, column: tuple[str | None, float]
) -> _Decision:
    """The matcher's decision for one agency that no override covers."""
    key = match_text(agency["agency_key"])
    segments = name_segments(agency["agency_key"])
    kind, reason = classify_agency(key, agency["level"], _named_county(key, counties) is not None)
    if kind == "state":
        return _Decision("state", (str(agency["state_fips"]),), "state", 100.0)
    if kind == "other":
        return _Decision("other", (), NOT_FOUND, None, reason)
    if kind == "county":
        return _match_county(key, segments, column, counties)
    return _match_municipal(segments, column[0], municipal)


def _total_population(found: list[dict | None]) -> int | None:
    """The population of the jurisdiction(s), or None when any part is unknown (never a partial sum)."""
    if not found or any(entry is None or pd.isna(entry["population"]) for entry in found):
        return None
    return int(sum(entry["population"] for entry in found))


def _missing_population_reason(decision: _Decision, first: dict) -> str:
    """Why a matched jurisdiction has no population: a known data gap (Georgia) or an unknown code."""
    gap = first.get("population_gap")
    if isinstance(gap, str):
        return gap
    return f"no Census Vintage 2024 population for {decision.level} {' '.join(decision.geoids) or '(none)'}"


def _unknown_geoids(decision: _Decision, found: list[dict | None]) -> _Decision:
    """A decision naming no GEOID the Census files know (a territory's state code) is NOT FOUND.

    Guam and the Northern Mariana Islands have no Vintage 2024 estimates, so such an agency cannot be
    located or counted; saying so keeps "population is NULL" meaning "not found" (or a Georgia place).
    """
    if not decision.geoids or any(entry is not None for entry in found):
        return decision
    reason = (
        f"no Census Vintage 2024 population for {decision.level} {' '.join(decision.geoids)}: "
        "the estimates cover the 50 states and DC only"
    )
    return _Decision(decision.level, decision.geoids, NOT_FOUND, None, reason, decision.override_reason)


def _jurisdiction_row(agency: dict, decision: _Decision, column_fips: str | None, catalogue: dict) -> dict:
    """The output row of one agency: its decision joined to the catalogue (several GEOIDs add up)."""
    found = [catalogue.get((decision.level, geoid)) for geoid in decision.geoids]
    decision = _unknown_geoids(decision, found)
    known = [entry for entry in found if entry is not None]
    first = known[0] if known else {}
    population = _total_population(found)
    reason = decision.reason
    if population is None and reason is None:
        reason = _missing_population_reason(decision, first)
    census_county = first.get("county_fips") if isinstance(first.get("county_fips"), str) else None
    county_fips = None if decision.level == "state" else census_county or column_fips
    county_source = "census" if census_county else "ice_county_column" if county_fips else None
    return {
        "state_code": agency["state_code"],
        "agency_name": agency["agency_name"],
        "agency_key": agency["agency_key"],
        "jurisdiction_level": decision.level,
        "state_fips": agency["state_fips"],
        "county_fips": county_fips,
        "county_source": county_source,
        "county_cell_fips": column_fips,
        "place_geoid": first.get("geoid") if decision.level in ("place", "county_subdivision") else None,
        "jurisdiction_name": "; ".join(entry["name"] for entry in known) or None,
        "population": population,
        "latitude": first.get("latitude"),
        "longitude": first.get("longitude"),
        "match_method": decision.method,
        "match_score": decision.score,
        "not_found_reason": reason,
        "override_reason": decision.override_reason,
    }


def match_agencies(
    agencies: pd.DataFrame, census: CensusTables, overrides: pd.DataFrame
) -> JurisdictionMatch:
    """Give each agency its jurisdiction, population and point; NOT FOUND with a reason when unsure.

    `agencies`: one row per agency with state_code, state_fips, agency_name, agency_key, level
    ('county' | 'municipal' | 'state' | 'other', from ICE's TYPE) and county_name (ICE's COUNTY column).
    `overrides`: state_code, agency_name, jurisdiction_level, geoid, reason; a matching row wins.
    Returns the `geo.agency_jurisdictions` rows (JURISDICTION_COLUMNS) and the county bridge
    (BRIDGE_COLUMNS): every county a matched county, place or subdivision touches, with the people in it.
    Where Census gives no county (NOT FOUND, Georgia places) county_fips falls back to ICE's COUNTY column
    when it names a real county, and county_source says which it is.
    """
    catalogue = jurisdiction_catalogue(census)
    parts = county_bridge_parts(census)
    counties_by_state = _county_candidates(catalogue)
    municipal_by_state = _municipal_candidates(catalogue, parts, census.cousubs)
    empty = _Candidates.of(
        pd.DataFrame(columns=["level", "geoid", "name", "base_key", "full_key", "counties"])
    )
    lookup = _override_lookup(overrides)
    by_geoid = {(entry["level"], entry["geoid"]): entry for entry in catalogue.to_dict("records")}

    rows, bridge_keys = [], []
    for agency in agencies.to_dict("records"):
        state = agency["state_fips"] if isinstance(agency["state_fips"], str) else ""
        counties = counties_by_state.get(state, empty)
        cell_fips, cell_score, cell_match = county_cell_match(agency["county_name"], counties)
        column = (cell_fips, cell_score)
        override = lookup.get((clean_text(agency["state_code"]).upper(), agency["agency_key"]))
        decision = (
            _override_decision(override)
            if override is not None
            else _decide(agency, counties, municipal_by_state.get(state, empty), column)
        )
        rows.append(
            _jurisdiction_row(agency, decision, column[0], by_geoid) | {"county_cell_match": cell_match}
        )
        bridge_keys += [
            (agency["agency_key"], agency["state_code"], decision.level, geoid) for geoid in decision.geoids
        ]
    jurisdictions = pd.DataFrame(rows, columns=JURISDICTION_COLUMNS).astype(
        {"population": "Int64", "match_score": "Float64", "latitude": "Float64", "longitude": "Float64"}
    )
    bridge = _bridge_rows(bridge_keys, parts, jurisdictions)
    return JurisdictionMatch(jurisdictions=jurisdictions, county_bridge=bridge)


def _bridge_rows(
    keys: list[tuple[str, str, str, str]], parts: pd.DataFrame, jurisdictions: pd.DataFrame
) -> pd.DataFrame:
    """Every county touched by each matched county, place or subdivision (states are statewide: no rows).

    A matched place the estimates do not split into county parts (Georgia's) gets one row for the county
    ICE's COUNTY column names, with no part population, so it is still counted in a county.
    """
    matched = pd.DataFrame(keys, columns=["agency_key", "state_code", "level", "geoid"])
    bridge = matched.merge(parts, on=["level", "geoid"], how="inner").assign(county_source="census")
    covered = set(zip(bridge["state_code"], bridge["agency_key"], strict=True))
    fallback = jurisdictions[
        (jurisdictions["match_method"] != NOT_FOUND)
        & jurisdictions["jurisdiction_level"].isin(["place", "county_subdivision"])
        & (jurisdictions["county_source"] == "ice_county_column")
    ]
    uncovered = [
        key not in covered for key in zip(fallback["state_code"], fallback["agency_key"], strict=True)
    ]
    fallback = fallback.loc[np.array(uncovered, dtype=bool)].assign(part_population=pd.NA)
    ordered = pd.concat([bridge[BRIDGE_COLUMNS], fallback[BRIDGE_COLUMNS]], ignore_index=True)
    ordered = ordered.astype({"part_population": "Int64"}).sort_values(
        ["state_code", "agency_key", "county_fips"]
    )
    return ordered.reset_index(drop=True)


def county_office(agency_name: object) -> bool:
    """True for a sheriff or an office of a named county or parish that serves that one county.

    Regional jails, multi-county task forces and campus or airport police are left out: they have no
    single county to be matched to (see `classify_agency`).
    """
    key = match_text(agency_name)
    return bool(_SHERIFF_OR_COUNTY.search(key)) and classify_agency(key, "county", True)[0] == "county"


def municipal_police(agency_name: object) -> bool:
    """True for a city, town, village, borough or township police (or public safety) department.

    Campus, school-district, airport and regional police are excluded: none has a Census place of its own.
    """
    key = match_text(agency_name)
    return bool(_POLICE.search(key)) and classify_agency(key, "municipal", False)[0] == "municipal"


def match_rates(table: pd.DataFrame) -> dict[str, float | int]:
    """The shares the targets are measured on, from agency_jurisdictions rows plus ICE's `level`.

    county offices: ICE level county and `county_office`, matched to a county. Municipal police outside
    Georgia: ICE level municipal and `municipal_police`, matched to any jurisdiction (Georgia's cities are
    matched but have no population, so they are measured apart). All municipal outside Georgia: every
    ICE-municipal agency, constables and marshals included.
    """
    found = table["match_method"] != NOT_FOUND
    outside_georgia = table["state_code"] != "GA"
    municipal = (table["level"] == "municipal") & outside_georgia
    offices = (table["level"] == "county") & table["agency_name"].map(county_office)
    police = municipal & table["agency_name"].map(municipal_police)
    office_matched = offices & (table["jurisdiction_level"] == "county") & table["county_fips"].notna()

    def share(matched: pd.Series, among: pd.Series) -> float:
        return round(float(matched[among].mean()), 4) if among.any() else 1.0

    return {
        "county offices": int(offices.sum()),
        "county offices matched": int(office_matched.sum()),
        "county office match rate": share(office_matched, offices),
        "municipal police outside GA": int(police.sum()),
        "municipal police matched outside GA": int((found & police).sum()),
        "municipal police match rate outside GA": share(found, police),
        "municipal agencies outside GA": int(municipal.sum()),
        "municipal match rate outside GA (all)": share(found, municipal),
    }
