"""An outside oracle: g287's history reconciled with another tracker's cumulative status table of 2026-05-18.

RelevantResearch's table (`derived/RelevantResearch_cumulative_participating_status_2026-05-18_am.xlsx`)
holds one row per row ICE ever listed, as its monitor saw them, marked Present, New or Absent. Its rows are
keyed exactly as g287 keys ICE's (the same cleaning, abbreviations and aliases), then every difference must
fall in a named class; a new, unexplained difference fails the test with its rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from g287_assets.lib.cleaning.agreements import clean_agreements
from g287_assets.lib.reference import load_reference
from g287_assets.lib.settings import PROJECT_ROOT

ORACLE_FILE = "derived/RelevantResearch_cumulative_participating_status_2026-05-18_am.xlsx"
# The first spreadsheet ICE published (its web-page era, 2021 to February 2025, is g287's alone).
ORACLE_START = dt.date(2025, 2, 21)

# Differences read one by one in ICE's own files: (side, state, agency key, model, signed date, why).
REVIEWED = [
    ("theirs", "AZ", "COCHISE COUNTY SHERIFFS OFFICE", "WSO", None,
     "their row has neither SIGNED nor Last Seen; the agreement (signed 2025-08-28) is Present in their table "
     "and active in g287"),
    ("ours", "NV", "MINERAL COUNTY SHERIFFS OFFICE", "TFM", dt.date(2025, 3, 17),
     "listed once, in the 2025-03-18 Wayback capture of ICE's list (participatingAgencies-20250318231034.xlsx), "
     "which their table does not count; a brief listing in g287 (no MOA, one list)"),
    ("ours", "FL", "FLORIDA DEPARTMENT OF FINANCIAL SERVICES", "TFM", dt.date(2025, 3, 25),
     "in 70 of ICE's lists from 2025-03-27 to 2025-08-12; their table keeps only the department's division "
     "listing signed 2025-07-24"),
]  # fmt: skip


@pytest.fixture(scope="module")
def oracle(source_mirror: Path) -> pd.DataFrame:
    """Their rows, cleaned and keyed by g287's own cleaning, with their Status."""
    table = pd.read_excel(source_mirror / "ice" / ORACLE_FILE, engine="openpyxl", dtype=str)
    raw = pd.DataFrame(
        {
            "snapshot_key": "oracle",
            "row_number": range(2, len(table) + 2),
            "state": table["STATE"],
            "agency": table["LAW ENFORCEMENT AGENCY"],
            "type": table["TYPE"],
            "county": table["COUNTY"],
            "support_type": table["SUPPORT TYPE"],
            "signed": table["SIGNED"],
            "moa": table["MOA"],
            "addendum": table["ADDENDUM"],
            "moa_link": table["Extracted Link"],
            "addendum_link": table["Extracted Addendum"],
        }
    )
    snapshots = pd.DataFrame(
        {"snapshot_key": ["oracle"], "snapshot_date": [dt.date(2026, 5, 18)], "list_kind": ["participating"]}
    )
    cleaned, _ = clean_agreements(raw, snapshots, load_reference(PROJECT_ROOT / "data" / "reference"))
    status = pd.DataFrame({"source_row": raw["row_number"], "their_status": table["Status"]})
    return cleaned.merge(status, on="source_row")[
        ["state_code", "agency_key", "agency_name", "model", "signed_date", "their_status"]
    ]


def reconcile(con: duckdb.DuckDBPyConnection, oracle: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each of their rows and each of g287's agreements with the class of its difference (NULL: unexplained)."""
    con.register("theirs", oracle)
    con.register(
        "reviewed",
        pd.DataFrame(
            REVIEWED, columns=["side", "state_code", "agency_key", "model", "signed_date", "reason"]
        ),
    )
    try:
        theirs = con.execute(
            """
            SELECT t.*, h.status AS our_status,
                CASE
                    WHEN t.their_status IN ('Present', 'New') AND h.status = 'active' THEN 'both active'
                    WHEN t.their_status = 'Absent' AND h.status = 'ended' THEN 'both ended'
                    WHEN t.their_status = 'Absent' AND h.status = 'corrected' THEN 'their variant is our correction'
                    WHEN t.their_status = 'Absent' AND h.status = 'active' AND EXISTS (
                        SELECT 1 FROM theirs AS current
                        WHERE current.their_status IN ('Present', 'New') AND current.state_code = t.state_code
                            AND current.agency_key = t.agency_key AND current.model = t.model
                            AND current.signed_date IS NOT DISTINCT FROM t.signed_date)
                        THEN 'their variant is a spelling g287 folds into an active agreement'
                    WHEN r.side IS NOT NULL THEN 'reviewed: ' || r.reason
                END AS class
            FROM theirs AS t
            LEFT JOIN history.agreements AS h
                ON h.state_code = t.state_code AND h.agency_key = t.agency_key AND h.model = t.model
                AND h.signed_date IS NOT DISTINCT FROM t.signed_date
            LEFT JOIN reviewed AS r
                ON r.side = 'theirs' AND r.state_code = t.state_code AND r.agency_key = t.agency_key
                AND r.model = t.model AND r.signed_date IS NOT DISTINCT FROM t.signed_date
            """
        ).df()
        ours = con.execute(
            """
            WITH in_theirs AS (
                SELECT h.agreement_id, h.lineage_id
                FROM history.agreements AS h
                SEMI JOIN theirs AS t
                    ON h.state_code = t.state_code AND h.agency_key = t.agency_key AND h.model = t.model
                    AND h.signed_date IS NOT DISTINCT FROM t.signed_date
            )
            SELECT h.agreement_id, h.state_code, h.agency_key, h.model, h.signed_date, h.status, h.last_seen_date,
                CASE
                    WHEN h.last_seen_date < $start THEN 'outside their time range'
                    WHEN h.status = 'corrected' AND (
                        h.lineage_id IN (SELECT lineage_id FROM in_theirs)
                        OR s.lineage_id IN (SELECT lineage_id FROM in_theirs))
                        THEN 'our corrected row, their table keeps the row ICE fixed it into'
                    WHEN r.side IS NOT NULL THEN 'reviewed: ' || r.reason
                END AS class
            FROM history.agreements AS h
            LEFT JOIN history.agreements AS s ON s.agreement_id = h.successor_id
            LEFT JOIN reviewed AS r
                ON r.side = 'ours' AND r.state_code = h.state_code AND r.agency_key = h.agency_key
                AND r.model = h.model AND r.signed_date IS NOT DISTINCT FROM h.signed_date
            WHERE h.agreement_id NOT IN (SELECT agreement_id FROM in_theirs)
            """,
            {"start": ORACLE_START},
        ).df()
    finally:
        con.unregister("theirs")
        con.unregister("reviewed")
    return theirs, ours


def test_every_difference_with_the_outside_tracker_is_explained(published, oracle):
    theirs, ours = reconcile(published, oracle)
    unexplained_theirs = theirs[theirs["class"].isna()]
    unexplained_ours = ours[ours["class"].isna()]
    assert unexplained_theirs.empty, f"their rows g287 cannot explain:\n{unexplained_theirs.to_string()}"
    assert unexplained_ours.empty, (
        f"g287 agreements their table lacks, unexplained:\n{unexplained_ours.to_string()}"
    )
    # Both agree on every active agreement, one to one.
    (active,) = published.execute(
        "SELECT count(*) FROM history.agreements WHERE status = 'active'"
    ).fetchall()[0]
    assert (theirs["class"] == "both active").sum() == active == 1843
    classes = theirs["class"].str.split(":").str[0].value_counts().to_dict()
    assert classes == {
        "both active": 1843,
        "their variant is our correction": 105,
        "their variant is a spelling g287 folds into an active agreement": 115,
        "both ended": 97,
        "reviewed": 1,
    }
    assert ours["class"].str.split(":").str[0].value_counts().to_dict() == {
        "our corrected row, their table keeps the row ICE fixed it into": 43,
        "outside their time range": 19,
        "reviewed": 2,
    }


def test_a_new_difference_fails_with_its_rows_named(published, oracle):
    # An active agreement their table marks Absent, and a row of theirs g287 never saw.
    altered = oracle.copy()
    single = (
        altered.groupby(["state_code", "agency_key", "model", "signed_date"], dropna=False)["agency_key"]
        .transform("size")
        .eq(1)
    )
    first_present = altered.index[(altered["their_status"] == "Present") & single][0]
    altered.loc[first_present, "their_status"] = "Absent"
    invented = altered.iloc[[0]].assign(agency_key="NOWHERE POLICE DEPARTMENT", their_status="Absent")
    theirs, _ = reconcile(published, pd.concat([altered, invented], ignore_index=True))
    unexplained = theirs[theirs["class"].isna()]
    assert sorted(unexplained["agency_key"]) == sorted(
        ["NOWHERE POLICE DEPARTMENT", altered.loc[first_present, "agency_key"]]
    )
