"""Readers of the Census files the geography layer joins to: Vintage 2024 populations and Gazetteer points.

The Census files keep their codes as zero-padded text (state 01, county 001, place 00124): read as numbers
they lose the zeros and stop joining, so every code here stays a string. The population files are latin-1
(Doña Ana County), and the 2024 county Gazetteer pads each line with spaces, while the 2025 editions are
pipe-delimited: each reader hides its file's quirks and returns tidy snake_case columns.

The files themselves come from the Census Bureau's download area (`obtain_source`), or from a local mirror
laid out like ../shared/data when the network is not to be used; a downloaded file is cached once with its
sha256, and reused only while its bytes still have that hash.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import UTC
from io import BytesIO
from pathlib import Path

import pandas as pd
import requests

from g287_assets.lib.files import file_sha256, write_atomically
from g287_assets.lib.snapshots.shipped import CENSUS_FOLDER, ShippedHistory
from g287_assets.lib.sources.download import DownloadRefused, fetch_bytes, sidecar_path

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


# ---- where the files come from ------------------------------------------------------------------------

CENSUS_HOSTS = ("www2.census.gov",)
# The largest file (the sub-county estimates) is about 7 MB; the cap only stops a runaway body.
SOURCE_MAX_BYTES = 100_000_000
_POPEST = "https://www2.census.gov/programs-surveys/popest/datasets/2020-2024"
_GAZETTEER = "https://www2.census.gov/geo/docs/maps-data/data/gazetteer"


@dataclass(frozen=True)
class CensusSource:
    """One Census file: its download URL, its place in a mirror, and the name of the file that is read.

    Gazetteer files are published zipped; `file_name` is then the member taken out of the zip.
    """

    name: str
    url: str
    mirror_path: str
    file_name: str

    @property
    def zipped(self) -> bool:
        return self.url.lower().endswith(".zip")


SOURCES = {
    source.name: source
    for source in (
        CensusSource(
            "county_population",
            f"{_POPEST}/counties/totals/co-est2024-alldata.csv",
            "census/co-est2024-alldata.csv",
            "co-est2024-alldata.csv",
        ),
        CensusSource(
            "subcounty_population",
            f"{_POPEST}/cities/totals/sub-est2024.csv",
            "census/sub-est2024.csv",
            "sub-est2024.csv",
        ),
        CensusSource(
            "county_points",
            f"{_GAZETTEER}/2024_Gazetteer/2024_Gaz_counties_national.zip",
            "geo/2024_Gaz_counties_national.txt",
            "2024_Gaz_counties_national.txt",
        ),
        CensusSource(
            "place_points",
            f"{_GAZETTEER}/2025_Gazetteer/2025_Gaz_place_national.zip",
            "geo/2025_Gaz_place_national.txt",
            "2025_Gaz_place_national.txt",
        ),
        CensusSource(
            "cousub_points",
            f"{_GAZETTEER}/2025_Gazetteer/2025_Gaz_cousubs_national.zip",
            "geo/2025_Gaz_cousubs_national.txt",
            "2025_Gaz_cousubs_national.txt",
        ),
    )
}


@dataclass(frozen=True)
class SourceFile:
    """A Census file ready to read, and how it was obtained: 'mirror', 'cache' or 'downloaded'."""

    source: CensusSource
    path: Path
    origin: str
    sha256: str
    obtained: str


def unzip_member(body: bytes, member: str, max_bytes: int) -> bytes:
    """The named file inside a zip held in memory, refused when it would inflate past max_bytes.

    The announced size is checked first and the read is capped too, since a zip's header can lie.
    """
    with zipfile.ZipFile(BytesIO(body)) as archive:
        infos = [info for info in archive.infolist() if info.filename.rsplit("/", 1)[-1] == member]
        if len(infos) != 1:
            raise ValueError(f"the zip holds {archive.namelist()}, not exactly one {member}")
        if infos[0].file_size > max_bytes:
            raise DownloadRefused(f"{member} inflates to {infos[0].file_size} bytes, over {max_bytes}")
        with archive.open(infos[0]) as stream:
            data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DownloadRefused(f"{member} inflates past {max_bytes} bytes")
    return data


def cached_file(source: CensusSource, cache_dir: Path) -> SourceFile | None:
    """The cached copy of a source, if its sidecar names this URL and the bytes still have its sha256."""
    path = cache_dir / source.file_name
    sidecar = sidecar_path(path)
    if not (path.is_file() and sidecar.is_file()):
        return None
    record = json.loads(sidecar.read_text(encoding="utf-8"))
    sha256 = file_sha256(path)
    if record.get("url") != source.url or record.get("sha256") != sha256:
        return None
    return SourceFile(source, path, source.url, sha256, "cache")


def download_source(
    source: CensusSource,
    cache_dir: Path,
    *,
    allowed_hosts: tuple[str, ...],
    max_bytes: int,
    session: requests.Session | None,
) -> SourceFile:
    """Fetch a source from the Census host, unzip it if needed, and cache it with a sha256 sidecar.

    The file is written before its sidecar, so a sidecar always describes a complete file.
    """
    fetched = fetch_bytes(source.url, allowed_hosts=allowed_hosts, max_bytes=max_bytes, session=session)
    data = unzip_member(fetched.body, source.file_name, max_bytes) if source.zipped else fetched.body
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / source.file_name
    write_atomically(path, data)
    sha256 = file_sha256(path)
    record = {
        "url": source.url,
        "final_url": fetched.final_url,
        "fetched_at": fetched.fetched_at.astimezone(UTC).isoformat(),
        "download_sha256": fetched.sha256,
        "sha256": sha256,
        "size": len(data),
    }
    write_atomically(
        sidecar_path(path), (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8")
    )
    return SourceFile(source, path, source.url, sha256, "downloaded")


def shipped_file(source: CensusSource, shipped: ShippedHistory) -> SourceFile:
    """The project's packed copy of a source: the reader's frame as Parquet, with the source's own sha256."""
    record = shipped.census_source(source.name)
    if record["url"] != source.url:
        raise ValueError(f"the shipped {source.name} was packed from {record['url']}, not {source.url}")
    path = shipped.folder / CENSUS_FOLDER / f"{source.name}.parquet"
    return SourceFile(source, path, source.url, record["sha256"], "shipped")


def obtain_source(
    source: CensusSource,
    cache_dir: Path,
    *,
    mirror: Path | None = None,
    shipped: ShippedHistory | None = None,
    allowed_hosts: tuple[str, ...] = CENSUS_HOSTS,
    max_bytes: int = SOURCE_MAX_BYTES,
    session: requests.Session | None = None,
) -> SourceFile:
    """A source file to read: from the mirror when one is given (never the network), else the project's
    shipped copy, else the verified cache, else a fresh download from the Census Bureau."""
    if mirror is not None:
        path = mirror / source.mirror_path
        if not path.is_file():
            raise FileNotFoundError(f"the source mirror has no {source.mirror_path} (looked for {path})")
        return SourceFile(source, path, str(path), file_sha256(path), "mirror")
    if shipped is not None:
        return shipped_file(source, shipped)
    cached = cached_file(source, cache_dir)
    if cached is not None:
        return cached
    return download_source(
        source, cache_dir, allowed_hosts=allowed_hosts, max_bytes=max_bytes, session=session
    )


READERS = {
    "county_population": read_county_population,
    "subcounty_population": read_subcounty_population,
    "county_points": lambda path: read_gazetteer(path, "county"),
    "place_points": lambda path: read_gazetteer(path, "place"),
    "cousub_points": lambda path: read_gazetteer(path, "county_subdivision"),
}


def read_source(found: SourceFile) -> pd.DataFrame:
    """A source's tidy frame: its reader's output, or the shipped Parquet of that same output."""
    if found.obtained == "shipped":
        return pd.read_parquet(found.path)
    return READERS[found.source.name](found.path)
