"""The Census readers: zero-padded codes kept as text, latin-1 names, padded and pipe-delimited Gazetteers."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from g287_assets.lib.sources.census import (
    CENSUS_HOSTS,
    SOURCES,
    read_county_population,
    read_gazetteer,
    read_subcounty_population,
    unzip_member,
)
from g287_assets.lib.sources.download import DownloadRefused, host_of

COUNTY_HEADER = "SUMLEV,REGION,DIVISION,STATE,COUNTY,STNAME,CTYNAME,POPESTIMATE2023,POPESTIMATE2024\n"
SUBCOUNTY_HEADER = (
    "SUMLEV,STATE,COUNTY,PLACE,COUSUB,CONCIT,PRIMGEO_FLAG,FUNCSTAT,NAME,STNAME,POPESTIMATE2024\n"
)


def write_latin1(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("latin-1"))
    return path


def test_county_population_keeps_zeros_and_reads_latin1(tmp_path: Path) -> None:
    path = write_latin1(
        tmp_path / "co.csv",
        COUNTY_HEADER
        + "040,4,8,35,000,New Mexico,New Mexico,2114371,2130256\n"
        + "050,4,8,35,013,New Mexico,Doña Ana County ,226758,229366\n",
    )
    frame = read_county_population(path)
    assert frame["state_fips"].tolist() == ["35", "35"]
    assert frame["county_fips"].isna().tolist() == [True, False]
    assert frame.loc[1, "county_fips"] == "35013"
    assert frame.loc[1, "county_name"] == "Doña Ana County"
    assert frame["population"].tolist() == [2130256, 229366]
    assert frame["sumlev"].tolist() == ["040", "050"]


def test_subcounty_population_builds_geoids_per_level(tmp_path: Path) -> None:
    path = write_latin1(
        tmp_path / "sub.csv",
        SUBCOUNTY_HEADER
        + "040,48,000,00000,00000,00000,0,A,Texas,Texas,31290831\n"
        + "162,48,000,69980,00000,00000,0,A,Stamford city,Texas,2952\n"
        + "157,48,207,69980,00000,00000,1,A,Stamford city (pt.),Texas,40\n"
        + "061,42,041,00000,21680,00000,1,A,East Pennsboro township,Pennsylvania,21490\n"
        + "071,42,041,00116,21680,00000,1,A,Some part,Pennsylvania,5\n",
    )
    frame = read_subcounty_population(path).set_index("sumlev")
    assert sorted(frame.index) == ["061", "157", "162"]
    assert frame.loc["162", "place_geoid"] == "4869980"
    assert frame.loc["157", "county_fips"] == "48207"
    assert frame.loc["157", "place_geoid"] == "4869980"
    assert frame.loc["061", "cousub_geoid"] == "4204121680"
    assert frame.loc["061", "county_fips"] == "42041"
    assert frame.loc["162", "funcstat"] == "A"
    assert frame.loc["157", "population"] == 40


def test_gazetteer_reads_padded_tab_file(tmp_path: Path) -> None:
    path = tmp_path / "counties.txt"
    path.write_text(
        "USPS\tGEOID\tANSICODE\tNAME\tALAND\tAWATER\tALAND_SQMI\tAWATER_SQMI\tINTPTLAT\tINTPTLONG          \n"
        "AL\t01001\t00161526\tAutauga County\t1\t2\t594.455\t9.914\t32.532237\t-86.64644          \n",
        encoding="utf-8",
    )
    frame = read_gazetteer(path, "county")
    assert frame.loc[0, "geoid"] == "01001"
    assert frame.loc[0, "longitude"] == -86.64644
    assert frame.loc[0, "land_area_sqmi"] == 594.455
    assert frame["funcstat"].isna().all()


def test_gazetteer_reads_pipe_file_and_rejects_wrong_level(tmp_path: Path) -> None:
    path = tmp_path / "places.txt"
    path.write_text(
        "USPS|GEOID|GEOIDFQ|ANSICODE|NAME|LSAD|FUNCSTAT|ALAND|AWATER|ALAND_SQMI|AWATER_SQMI|INTPTLAT|INTPTLONG\n"
        "AL|0100124|1600000US0100124|02403054|Abbeville city|25|A|1|2|15.543|0.042|31.565164|-85.259165\n",
        encoding="utf-8",
    )
    frame = read_gazetteer(path, "place")
    assert frame.iloc[0][["geoid", "name", "funcstat"]].tolist() == ["0100124", "Abbeville city", "A"]
    assert frame.loc[0, "latitude"] == 31.565164
    with pytest.raises(ValueError, match="7 digits|5 digits"):
        read_gazetteer(path, "county")


def test_real_county_file_totals(source_mirror: Path) -> None:
    frame = read_county_population(source_mirror / "census" / "co-est2024-alldata.csv")
    counties = frame[frame["sumlev"] == "050"]
    assert len(counties) == 3144
    assert (frame["sumlev"] == "040").sum() == 51
    assert counties["population"].sum() == 340_110_988
    assert set(counties["county_fips"]) >= {"09110", "09190", "02063", "02066", "51670"}
    assert counties.set_index("county_fips").loc["35013", "county_name"] == "Doña Ana County"


def test_real_subcounty_file_levels(source_mirror: Path) -> None:
    frame = read_subcounty_population(source_mirror / "census" / "sub-est2024.csv")
    assert frame["sumlev"].value_counts().to_dict() == {"157": 22970, "061": 21019, "162": 18942}
    assert "13" not in set(frame["state_fips"])
    places = frame[frame["sumlev"] == "162"].set_index("place_geoid")
    assert places.loc["4869980", "name"] == "Stamford city"
    assert places.loc["4869980", "population"] == 2952


def test_real_gazetteers(source_mirror: Path) -> None:
    geo = source_mirror / "geo"
    counties = read_gazetteer(geo / "2024_Gaz_counties_national.txt", "county")
    places = read_gazetteer(geo / "2025_Gaz_place_national.txt", "place")
    cousubs = read_gazetteer(geo / "2025_Gaz_cousubs_national.txt", "county_subdivision")
    assert (len(counties), len(places), len(cousubs)) == (3222, 32350, 36427)
    assert counties.set_index("geoid").loc["01001", "latitude"] == 32.532237
    assert places.set_index("geoid").loc["1352192", "name"] == "Monroe city"
    assert cousubs.set_index("geoid").loc["4204121680", "name"] == "East Pennsboro township"


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_unzip_member_takes_the_named_file_and_refuses_a_bomb() -> None:
    body = zip_of({"readme.txt": b"x", "folder/2025_Gaz_place_national.txt": b"USPS|GEOID\n"})
    assert unzip_member(body, "2025_Gaz_place_national.txt", 100) == b"USPS|GEOID\n"
    with pytest.raises(ValueError, match="not exactly one"):
        unzip_member(body, "2025_Gaz_cousubs_national.txt", 100)
    bomb = zip_of({"2025_Gaz_place_national.txt": b"0" * 10_000})
    assert len(bomb) < 1_000
    with pytest.raises(DownloadRefused, match="inflates"):
        unzip_member(bomb, "2025_Gaz_place_national.txt", 5_000)


def test_every_source_is_on_the_census_host_and_in_the_mirror(source_mirror: Path) -> None:
    assert {host_of(source.url) for source in SOURCES.values()} == set(CENSUS_HOSTS) == {"www2.census.gov"}
    assert {source.name for source in SOURCES.values() if source.zipped} == {
        "county_points",
        "place_points",
        "cousub_points",
    }
    for source in SOURCES.values():
        assert (source_mirror / source.mirror_path).is_file()
        assert source.mirror_path.endswith(source.file_name)
