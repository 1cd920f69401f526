"""The inputs and the finishing of agency geography: the Census sources obtained and read, the reviewed
jurisdiction overrides with their agency keys, ICE's own columns kept beside the matcher's decision, and
agencies ICE listed under a wrong state, located only under the right one."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from g287_assets.lib.files import write_atomically_with
from g287_assets.lib.geography.jurisdictions import (
    NOT_FOUND,
    OVERRIDE_COLUMNS,
    CensusTables,
    JurisdictionMatch,
)
from g287_assets.lib.reference import load_reference
from g287_assets.lib.settings import SHIPPED_DIR
from g287_assets.lib.snapshots.shipped import MANIFEST, ShippedHistory
from g287_assets.lib.sources.census import SOURCES, SourceFile, obtain_source, read_source
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.freshness import code_fingerprint


def obtain_sources(mirror: Path | None, cache_dir: Path) -> dict[str, SourceFile]:
    """Every Census source from the mirror when one is set, else the shipped tables, the verified cache or
    the Census Bureau."""
    shipped = ShippedHistory(SHIPPED_DIR) if mirror is None and (SHIPPED_DIR / MANIFEST).is_file() else None
    return {
        name: obtain_source(source, cache_dir, mirror=mirror, shipped=shipped)
        for name, source in SOURCES.items()
    }


def read_census(sources: dict[str, SourceFile]) -> tuple[CensusTables, dict[str, int]]:
    """The Census frames the tables and the matcher use, and the rows each reader returned."""
    frames = {name: read_source(found) for name, found in sources.items()}
    rows = {name: len(frame) for name, frame in frames.items()}
    return CensusTables.from_frames(**frames), rows


def sources_frame(sources: dict[str, SourceFile], rows: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "source": name,
                "file_name": found.source.file_name,
                "url": found.source.url,
                "origin": found.origin,
                "obtained": found.obtained,
                "sha256": found.sha256,
                "bytes": found.path.stat().st_size,
                "rows": rows[name],
            }
            for name, found in sources.items()
        ],
        columns=catalog.GEO_CENSUS_SOURCES.column_names,
    )


def load_overrides(reference_dir: Path) -> pd.DataFrame:
    """The reviewed jurisdiction decisions, each with the agency key cleaning gives its name; an absent table
    means no override, not an error."""
    path = reference_dir / "jurisdiction_overrides.csv"
    if not path.is_file():
        return pd.DataFrame(columns=OVERRIDE_COLUMNS)
    overrides = pd.read_csv(path, dtype=str, keep_default_na=False)
    reference = load_reference(reference_dir)
    keys = [
        reference.agency_key_of(state.strip().upper(), name)
        for state, name in zip(overrides["state_code"], overrides["agency_name"], strict=True)
    ]
    return overrides.assign(agency_key=keys)


def with_ice_columns(jurisdictions: pd.DataFrame, agencies: pd.DataFrame) -> pd.DataFrame:
    """The matcher's rows plus what ICE said of each agency and when it was seen."""
    ice = agencies[
        [
            "state_code",
            "agency_key",
            "level",
            "county_name",
            "first_seen_date",
            "last_seen_date",
            "moved_to_state",
        ]
    ].rename(columns={"level": "ice_level", "county_name": "ice_county_name"})
    return jurisdictions.merge(ice, on=["state_code", "agency_key"], how="left", validate="one_to_one")


WRONG_STATE_REASON = "listed under the wrong state"


def without_moved_agencies(
    jurisdictions: pd.DataFrame, bridge: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An agency ICE listed under a wrong state, fixed later, is located only under the fixed state's row.

    Left to the matcher, "Wichita County Sheriff's Office" listed under OK became Washita County, OK, and
    "Ellis County Sheriff's Office" listed under TX became Ellis County, TX, although history moved both to
    the right state (history.links, state_corrected). Such a row keeps no jurisdiction, with the reason.
    """
    moved = jurisdictions["moved_to_state"].notna()
    cleared = ["county_fips", "county_source", "place_geoid", "jurisdiction_name", "population", "latitude",
               "longitude", "match_score"]  # fmt: skip
    located = jurisdictions.copy()
    located.loc[moved, cleared] = None
    located.loc[moved, "jurisdiction_level"] = "other"
    located.loc[moved, "match_method"] = NOT_FOUND
    located.loc[moved, "not_found_reason"] = (
        f"{WRONG_STATE_REASON}: history moved all its agreements to "
        + located.loc[moved, "moved_to_state"]
        + ", where the agency is located under that state's row"
    )
    keys = set(zip(located.loc[moved, "state_code"], located.loc[moved, "agency_key"], strict=True))
    kept = [key not in keys for key in zip(bridge["state_code"], bridge["agency_key"], strict=True)]
    return located.drop(columns="moved_to_state"), bridge[kept].reset_index(drop=True)


# What the matcher reads of each agency: a new list that lists the same agencies the same way (only their
# dates of appearance change) is located exactly as the last one was.
MATCH_INPUTS = ["state_code", "state_fips", "agency_name", "agency_key", "level", "county_name"]
MATCHES_FOLDER = "agency_matches"


def frame_digest(frame: pd.DataFrame) -> str:
    """A content hash of a frame's values, its columns and their order."""
    values = pd.util.hash_pandas_object(frame.astype(object), index=False).to_numpy().tobytes()
    return hashlib.sha256(values + repr(list(frame.columns)).encode("utf-8")).hexdigest()


def cached_match(
    work_dir: Path,
    agencies: pd.DataFrame,
    overrides: pd.DataFrame,
    census_sources: str,
    match: Callable[[], JurisdictionMatch],
) -> tuple[JurisdictionMatch, bool]:
    """The matcher's result for these agencies, read back when the same agencies, Census sources (their sha256),
    overrides and code were matched last time; else `match()`, kept for next time. Returns (result, reused)."""
    key = hashlib.sha256(
        "\n".join(
            [
                frame_digest(agencies[MATCH_INPUTS]),
                frame_digest(overrides),
                census_sources,
                *code_fingerprint(),
            ]
        ).encode("utf-8")
    ).hexdigest()[:32]
    folder = work_dir / MATCHES_FOLDER
    jurisdictions_file, bridge_file = (
        folder / f"{key}.jurisdictions.parquet",
        folder / f"{key}.bridge.parquet",
    )
    if jurisdictions_file.is_file() and bridge_file.is_file():
        return JurisdictionMatch(pd.read_parquet(jurisdictions_file), pd.read_parquet(bridge_file)), True
    result = match()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.parquet"):
        stale.unlink()
    write_atomically_with(jurisdictions_file, lambda path: result.jurisdictions.to_parquet(path))
    write_atomically_with(bridge_file, lambda path: result.county_bridge.to_parquet(path))
    return result, False
