"""Cleaning ICE's rows: states, levels, models, dates, names, links, duplicates, each correction recorded."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from g287_assets.lib.cleaning.agreements import clean_agreements
from g287_assets.lib.cleaning.dates import parse_signed, plausible_signing
from g287_assets.lib.normalize import agency_key, display_name
from g287_assets.lib.reference import ReferenceError, load_reference
from g287_assets.lib.settings import PROJECT_ROOT

REFERENCE = load_reference(PROJECT_ROOT / "data" / "reference")


def raw_frame(rows: list[dict]) -> pd.DataFrame:
    defaults = {
        "snapshot_key": "s1",
        "state": "TEXAS",
        "agency": "Bexar County Sheriff's Office",
        "type": "County",
        "county": "Bexar County",
        "support_type": "Task Force Model",
        "signed": "2025-05-01",
        "moa": "link",
        "addendum": None,
        "moa_link": None,
        "addendum_link": None,
    }
    return pd.DataFrame([{**defaults, "row_number": i + 2, **row} for i, row in enumerate(rows)])


SNAPSHOTS = pd.DataFrame(
    {"snapshot_key": ["s1"], "snapshot_date": [dt.date(2026, 2, 27)], "list_kind": ["participating"]}
)


def clean(rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return clean_agreements(raw_frame(rows), SNAPSHOTS, REFERENCE)


def test_state_typos_are_fixed_and_recorded() -> None:
    result, issues = clean([{"state": "PENNSLYVANIA "}, {"state": "Texas"}, {"state": "WESt VIRGINIA"}])
    assert result.state_code.tolist() == ["PA", "TX", "WV"]
    assert result.state_fips.tolist() == ["42", "48", "54"]
    assert result.corrections.tolist() == [["state_name_corrections:PENNSLYVANIA"], [], []]
    assert issues.empty


def test_type_and_support_type_variants() -> None:
    result, _ = clean(
        [
            {"type": "Muncipality ", "support_type": "Warrant Services Officer"},
            {"type": "State", "support_type": "Jail Enforcment Model "},
            {"type": "County ", "support_type": "Task Force Officer "},
        ]
    )
    assert result.level_ice.tolist() == ["municipal", "state", "county"]
    # The default agency is a sheriff's office: its name makes it county whatever the TYPE says.
    assert result.level.tolist() == ["county", "county", "county"]
    assert result.level_source.tolist() == ["name", "name", "type"]
    assert result.model.tolist() == ["WSO", "JEM", "TFM"]
    assert "type_levels:MUNCIPALITY" in result.corrections[0]
    assert "support_type_models:TASK FORCE OFFICER" in result.corrections[2]


def test_level_is_inferred_from_the_name_when_type_is_missing() -> None:
    result, _ = clean(
        [
            {"type": "#NA", "agency": "Walton County Sheriff's Office"},
            {"type": None, "agency": "Mesa Police Department"},
            {"type": "", "agency": "Florida Department of Corrections"},
            {"type": None, "agency": "Albermarle District Jail"},
        ]
    )
    assert result.level.tolist() == ["county", "municipal", "state", "other"]
    assert set(result.level_source) == {"inferred"}


def test_level_is_decided_by_the_name_before_ices_type() -> None:
    result, _ = clean(
        [
            {"state": "OKLAHOMA", "type": "Municipality", "agency": "Haskell County Sheriff's Office"},
            {"state": "TEXAS", "type": "County", "agency": "Stamford Police Department"},
            {"state": "OKLAHOMA", "type": "State", "agency": "Oklahoma Dept. of Public Safety"},
            {"state": "VIRGINIA", "type": "County", "agency": "Gordonsville Department of Public Safety"},
            {"state": "VIRGINIA", "type": "State", "agency": "Southwest Virginia Regional Jail Authority"},
            {"state": "MISSOURI", "type": "Municipality", "agency": "Saint Charles County Police Department"},
            # The name is silent: ICE's TYPE stands.
            {"state": "NEVADA", "type": "County", "agency": "Las Vegas Metropolitan Police Department"},
            {"state": "FLORIDA", "type": "State", "agency": "University of Florida Police Department"},
            {"state": "MISSOURI", "type": "Municipality", "agency": "North County Police Cooperative"},
        ]
    )
    assert list(zip(result.level_ice, result.level, result.level_source, strict=True)) == [
        ("municipal", "county", "name"),
        ("county", "municipal", "name"),
        ("state", "state", "type"),
        ("county", "municipal", "name"),
        ("state", "other", "name"),
        ("municipal", "county", "name"),
        ("county", "county", "type"),
        ("state", "state", "type"),
        ("municipal", "municipal", "type"),
    ]
    assert "level_patterns:1" in result.corrections[0] and "level_patterns:8" in result.corrections[1]
    assert not [fix for fix in result.corrections[6] if fix.startswith("level_patterns")]


def test_signing_dates_in_every_form_seen() -> None:
    assert parse_signed("05/082025") == dt.date(2025, 5, 8)
    assert parse_signed("7/72025") == dt.date(2025, 7, 7)
    assert parse_signed("8/282025") == dt.date(2025, 8, 28)
    assert parse_signed("2016-06-08") == dt.date(2016, 6, 8)
    assert parse_signed("45678") == dt.date(2025, 1, 21)
    assert parse_signed("02/30/2025") is None
    assert parse_signed("pending") is None
    assert plausible_signing(dt.date(5025, 7, 7)) is None
    result, issues = clean(
        [{"signed": "05/082025"}, {"signed": "5025-07-07"}, {"signed": None}, {"signed": "3025-01-01"}]
    )
    assert result.signed_date.tolist() == [dt.date(2025, 5, 8), dt.date(2025, 7, 7), None, None]
    assert result.corrections[1] == ["signed_date_corrections:5025-07-07"]
    assert issues.issue.tolist() == ["unreadable signing date"]
    assert "3025-01-01" in issues.detail[0]


def test_names_written_two_ways_share_one_key() -> None:
    result, _ = clean(
        [{"agency": "Bexar County Sheriff\u2019s Office "}, {"agency": "BEXAR COUNTY  SHERIFF'S OFFICE"}]
    )
    assert result.agency_key.nunique() == 1
    assert result.agency_name[0] == "Bexar County Sheriff's Office"
    assert display_name("  A\u00a0 B\u2019s ") == "A B's"
    assert agency_key("St. Lucie County Sheriff's Office") == "ST LUCIE COUNTY SHERIFFS OFFICE"


def test_agency_name_correction_fires_from_the_reference_table() -> None:
    result, _ = clean([{"state": "FLORIDA", "agency": "Waria-labelon County Sheriff's Office"}])
    assert result.agency_name[0] == "Walton County Sheriff's Office"
    assert result.corrections[0] == ["agency_name_corrections:FL:Waria-labelon County Sheriff's Office"]


def test_exact_duplicates_are_counted_once_and_reported() -> None:
    result, issues = clean([{}, {}, {"support_type": "Jail Enforcement Model"}, {}])
    assert len(result) == 2
    assert result.duplicate_rows.tolist() == [2, 0]
    assert issues.issue.tolist() == ["exact duplicate", "exact duplicate"]
    assert issues.source_row.tolist() == [3, 5]


def test_links_come_from_hyperlinks_or_urls_written_in_the_cell() -> None:
    result, _ = clean(
        [
            {"moa_link": "http://www.ice.gov/doclib/287gMOA/A.pdf"},
            {"moa": "https://web.archive.org/web/20210113002027/https://www.ice.gov/doclib/287gMOA/B.pdf"},
            {"moa": "link pending"},
        ]
    )
    assert result.moa_url.tolist() == [
        "https://www.ice.gov/doclib/287gMOA/A.pdf",
        "https://www.ice.gov/doclib/287gMOA/B.pdf",
        None,
    ]


def test_unknown_values_are_reported_not_dropped() -> None:
    result, issues = clean([{"state": "ATLANTIS", "support_type": "Harbor Model"}])
    assert len(result) == 1
    assert result.state_code[0] is None and result.model[0] is None
    assert sorted(issues.issue) == ["unknown model", "unknown state"]


def test_a_reference_row_without_reason_is_refused(tmp_path: Path) -> None:
    for path in (PROJECT_ROOT / "data" / "reference").glob("*.csv"):
        (tmp_path / path.name).write_text(path.read_text())
    with (tmp_path / "state_name_corrections.csv").open("a") as stream:
        stream.write("TEXSA,TX,\n")
    with pytest.raises(ReferenceError, match="every row needs a reason"):
        load_reference(tmp_path)


def test_abbreviations_and_aliases_give_one_agency_key_and_are_recorded() -> None:
    result, _ = clean(
        [
            {"state": "FLORIDA", "agency": "Tampa PD"},
            {"state": "FLORIDA", "agency": "Tampa Police Department"},
            {"state": "FLORIDA", "agency": "Indian River Shores DPS"},
            {"state": "TEXAS", "agency": "Walker County Sheriff's Department"},
            {"state": "FLORIDA", "agency": "City of Zephyrhills Police Department"},
            {"state": "MONTANA", "agency": "MT Dept of Justice"},
            {"state": "PENNSYLVANIA", "agency": "Pennsylvania State Constable's Office So Middleton Twp"},
        ]
    )
    assert result.agency_key.tolist() == [
        "TAMPA POLICE DEPARTMENT",
        "TAMPA POLICE DEPARTMENT",
        "INDIAN RIVER SHORES DEPARTMENT OF PUBLIC SAFETY",
        "WALKER COUNTY SHERIFFS OFFICE",
        "ZEPHYRHILLS POLICE DEPARTMENT",
        "MONTANA DEPARTMENT OF JUSTICE",
        # "So" inside a name is South: only a closing SO is a sheriff's office.
        "PENNSYLVANIA STATE CONSTABLES OFFICE SO MIDDLETON TOWNSHIP",
    ]
    assert result.name_key[0] == "TAMPA PD" and result.name_key[1] == "TAMPA POLICE DEPARTMENT"
    assert [[fix for fix in fixes if fix.startswith("agency_")] for fixes in result.corrections] == [
        ["agency_key_rules:PD"],
        [],
        ["agency_key_rules:DPS"],
        ["agency_key_rules:SHERIFFS_OFFICE"],
        ["agency_key_rules:CITY_OF_POLICE"],
        ["agency_aliases:MT:MT Dept of Justice"],
        ["agency_key_rules:TWP"],
    ]
    # The display name stays as ICE wrote it.
    assert result.agency_name[0] == "Tampa PD"


def test_an_agency_rule_that_is_not_a_pattern_is_refused(tmp_path: Path) -> None:
    for path in (PROJECT_ROOT / "data" / "reference").glob("*.csv"):
        (tmp_path / path.name).write_text(path.read_text())
    with (tmp_path / "agency_key_rules.csv").open("a") as stream:
        stream.write('BROKEN,(PD,POLICE DEPARTMENT,"an unbalanced parenthesis"\n')
    with pytest.raises(ReferenceError, match="rule BROKEN: bad pattern"):
        load_reference(tmp_path)


@pytest.mark.parametrize(
    ("file_name", "date"),
    [
        ("NavajoCoAZ_WSO_MOA_04.16.2025.pdf", dt.date(2025, 4, 16)),
        ("287gJEM_PinalCoAz2020-06-09.pdf", dt.date(2020, 6, 9)),
        ("MelbourneBeachPoliceDeptFL_TFM_MOA_05132025.pdf", dt.date(2025, 5, 13)),
        ("ColbertCountySO_TFM_LEA_070225.pdf", dt.date(2025, 7, 2)),
        ("georgiaDeptPublicSafety_TFM_MOA_03.10.25.pdf", dt.date(2025, 3, 10)),
        ("Dorchester_County_SC_WSO_MOA_6_12_25.pdf", dt.date(2025, 6, 12)),
        ("OzarkCountySheriffsOfficeMO-JEM-MOA-11-4-2025.pdf", dt.date(2025, 11, 4)),
        ("BradleyCoConstableDistrict6_TN_TFM_MOA_10172025.pdf", dt.date(2025, 10, 17)),
        ("BellairePoliceDept_TFM_MOA_02.28.25%20508.pdf", dt.date(2025, 2, 28)),
        # 1/16 or 11/6: two readings, so no date; a nine-digit typo and a name without a date give none.
        ("FranklinCoSheriffsOfficeAL_TFM_MOA_1162025.pdf", None),
        ("FayettevillePDOH_TFM_MOA_121020225.pdf", None),
        ("StLucie_TFM_MOA.pdf", None),
    ],
)
def test_moa_file_names_give_their_date(file_name: str, date: dt.date | None) -> None:
    result, _ = clean([{"moa_link": f"https://www.ice.gov/doclib/287gMOA/{file_name}"}])
    assert result.moa_date[0] == date
