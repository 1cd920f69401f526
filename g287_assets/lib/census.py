"""Readers of the Census files the geography layer joins to: Vintage 2024 populations and Gazetteer points.

The Census files keep their codes as zero-padded text (state 01, county 001, place 00124): read as numbers
they lose the zeros and stop joining, so every code here stays a string. The population files are latin-1
(Doña Ana County), and the 2024 county Gazetteer pads each line with spaces, while the 2025 editions are
pipe-delimited: each reader hides its file's quirks and returns tidy snake_case columns.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

STATE_SUMLEV = "040"
COUNTY_SUMLEV = "050"
COUSUB_SUMLEV = "061"
PLACE_PART_SUMLEV = "157"
PLACE_SUMLEV = "162"

POPULATION_COLUMN = "POPESTIMATE2024"
_CENSUS_ENCODING = "latin-1"
_GAZETTEER_LEVELS = ("county", "place", "county_subdivision")


def _read_population_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    """Every column as text (codes keep their zeros), names trimmed, the 2024 estimate as an integer."""
    frame = pd.read_csv(path, encoding=_CENSUS_ENCODING, dtype=str, usecols=columns, keep_default_na=False)
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    frame[POPULATION_COLUMN] = pd.to_numeric(frame[POPULATION_COLUMN]).astype("Int64")
    return frame


def read_county_population(path: Path) -> pd.DataFrame:
    """States (SUMLEV 040) and counties (050) of co-est2024-alldata.csv with their July 2024 population.

    Columns: state_fips, county_fips (5 digits; NULL on state rows), state_name, county_name (NULL on state
    rows), sumlev, population.
    """
    raw = _read_population_csv(path, ["SUMLEV", "STATE", "COUNTY", "STNAME", "CTYNAME", POPULATION_COLUMN])
    is_county = raw["SUMLEV"] == COUNTY_SUMLEV
    return pd.DataFrame(
        {
            "state_fips": raw["STATE"],
            "county_fips": (raw["STATE"] + raw["COUNTY"]).where(is_county),
            "state_name": raw["STNAME"],
            "county_name": raw["CTYNAME"].where(is_county),
            "sumlev": raw["SUMLEV"],
            "population": raw[POPULATION_COLUMN],
        }
    )


def read_subcounty_population(path: Path) -> pd.DataFrame:
    """Places (SUMLEV 162), county subdivisions (061) and place-in-county parts (157) of sub-est2024.csv.

    Other levels are dropped: 071 and 172 rows are pieces of the same people and would count them twice.
    Columns: state_fips, county_fips (061 and 157 rows), place_geoid (state + place, 7 digits; 162 and 157),
    cousub_geoid (state + county + cousub, 10 digits; 061), name ("(pt.)" kept on parts), sumlev, funcstat,
    population.
    """
    raw = _read_population_csv(
        path, ["SUMLEV", "STATE", "COUNTY", "PLACE", "COUSUB", "FUNCSTAT", "NAME", POPULATION_COLUMN]
    )
    raw = raw[raw["SUMLEV"].isin([PLACE_SUMLEV, COUSUB_SUMLEV, PLACE_PART_SUMLEV])].reset_index(drop=True)
    has_county = raw["SUMLEV"].isin([COUSUB_SUMLEV, PLACE_PART_SUMLEV])
    has_place = raw["SUMLEV"].isin([PLACE_SUMLEV, PLACE_PART_SUMLEV])
    is_cousub = raw["SUMLEV"] == COUSUB_SUMLEV
    return pd.DataFrame(
        {
            "state_fips": raw["STATE"],
            "county_fips": (raw["STATE"] + raw["COUNTY"]).where(has_county),
            "place_geoid": (raw["STATE"] + raw["PLACE"]).where(has_place),
            "cousub_geoid": (raw["STATE"] + raw["COUNTY"] + raw["COUSUB"]).where(is_cousub),
            "name": raw["NAME"],
            "sumlev": raw["SUMLEV"],
            "funcstat": raw["FUNCSTAT"],
            "population": raw[POPULATION_COLUMN],
        }
    )


def _gazetteer_separator(path: Path) -> str:
    """The 2024 and older Gazetteers are tab-delimited, the 2025 edition on is pipe-delimited."""
    with path.open(encoding="utf-8") as handle:
        header = handle.readline()
    return "|" if "|" in header else "\t"


def read_gazetteer(path: Path, level: str) -> pd.DataFrame:
    """Internal points of counties, places or county subdivisions from a Census Gazetteer file.

    `level` is 'county', 'place' or 'county_subdivision' and only checks that the GEOIDs have the length of
    that level (5, 7 or 10 digits), so a file passed for the wrong level fails loudly instead of joining to
    nothing. Columns: state_code (USPS), geoid, name, funcstat (NULL where the file has none), latitude,
    longitude, land_area_sqmi.
    """
    if level not in _GAZETTEER_LEVELS:
        raise ValueError(f"level must be one of {_GAZETTEER_LEVELS}, not {level!r}")
    raw = pd.read_csv(
        path, sep=_gazetteer_separator(path), dtype=str, encoding="utf-8", keep_default_na=False
    )
    raw.columns = raw.columns.str.strip()
    raw = raw.apply(lambda column: column.str.strip())
    frame = pd.DataFrame(
        {
            "state_code": raw["USPS"],
            "geoid": raw["GEOID"],
            "name": raw["NAME"],
            "funcstat": raw["FUNCSTAT"] if "FUNCSTAT" in raw else pd.Series(pd.NA, index=raw.index),
            "latitude": pd.to_numeric(raw["INTPTLAT"]),
            "longitude": pd.to_numeric(raw["INTPTLONG"]),
            "land_area_sqmi": pd.to_numeric(raw["ALAND_SQMI"]) if "ALAND_SQMI" in raw else pd.NA,
        }
    )
    expected_length = {"county": 5, "place": 7, "county_subdivision": 10}[level]
    wrong = frame["geoid"].str.len() != expected_length
    if wrong.any():
        raise ValueError(
            f"{path.name}: {int(wrong.sum())} GEOIDs are not {expected_length} digits; "
            f"is it a {level} Gazetteer?"
        )
    return frame
