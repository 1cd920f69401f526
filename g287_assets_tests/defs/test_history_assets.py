"""The history assets: real values from a full build of the real archive, and a run on a tiny database.

The real-data values were read off ICE's lists and their MOA links: a rename ICE made between two lists
must come out as a correction, an agreement that left the list for good as a cancellation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from g287_assets.defs.history import HISTORY_CHECKS, history_tables
from g287_assets.defs.resources import G287Files
from g287_assets.lib import catalog
from g287_assets.lib.history import MANUAL_LINK_COLUMNS

NEWEST_KEY = "2026-05-18_am_f2d0629e"


@pytest.fixture(scope="module")
def published(built_archive: Path):
    con = duckdb.connect(str(built_archive / "g287.duckdb"), read_only=True)
    yield con
    con.close()


def agreement(con, state: str, name: str, model: str, signed: str) -> dict:
    frame = con.execute(
        "SELECT * FROM history.agreements WHERE state_code = ? AND agency_name = ? AND model = ? "
        "AND signed_date = ?::DATE",
        [state, name, model, signed],
    ).df()
    assert len(frame) == 1, (state, name, model, signed)
    return frame.iloc[0].to_dict()


def test_newest_timeline_row_equals_counts_from_clean_agreements(published):
    timeline = published.execute(
        "SELECT snapshot_key, agreements, agencies, jem, wso, tfm FROM history.timeline "
        "ORDER BY snapshot_at DESC LIMIT 1"
    ).fetchone()
    independent = published.execute(
        """
        WITH newest AS (
            SELECT DISTINCT state_code, agency_key, model, signed_date
            FROM clean.agreements WHERE snapshot_key = ?
        )
        SELECT count(*), count(DISTINCT (state_code, agency_key)),
            count(*) FILTER (WHERE model = 'JEM'), count(*) FILTER (WHERE model = 'WSO'),
            count(*) FILTER (WHERE model = 'TFM')
        FROM newest
        """,
        [NEWEST_KEY],
    ).fetchone()
    assert timeline[0] == NEWEST_KEY
    assert timeline[1:] == independent
    assert timeline[1] == 1843
    clean_rows = published.execute(
        "SELECT count(*) FROM clean.agreements WHERE snapshot_key = ?", [NEWEST_KEY]
    ).fetchone()[0]
    active = published.execute("SELECT count(*) FROM history.agreements WHERE status = 'active'").fetchone()[
        0
    ]
    assert clean_rows == active == 1843


@pytest.mark.parametrize(
    ("state", "old_name", "model", "signed", "new_state", "new_name", "kind"),
    [
        ("MO", "Pettis County Sheriff's Department", "JEM", "2025-08-28", "MO", "Pettis County Sheriff's Office", "renamed"),
        ("SC", "Lexington County Sheriff's Office", "JEM", "2020-06-08", "SC", "Lexington County Sheriff's Department", "renamed"),
        ("WI", "Waukesha County Sheriff's Office", "JEM", "2020-06-10", "WI", "Waukesha County Sheriff's Department", "renamed"),
        ("MA", "Crow Wing County Sheriff's Office", "WSO", "2025-03-27", "MN", "Crow Wing County Sheriff's Office", "state_corrected"),
        ("FL", "Tampa PD", "TFM", "2025-02-28", "FL", "Tampa Police Department", "renamed"),
        ("FL", "Okaloosa County Sheriff's Office", "WSO", "2025-02-26", "FL", "Okaloosa County Department of Corrections", "renamed"),
        ("VA", "Hopewell Sheriff's Office", "JEM", "2025-07-02", "VA", "Hopewell County Sheriff's Office", "renamed"),
    ],
)  # fmt: skip
def test_real_corrections_are_linked_not_cancelled(
    published, state, old_name, model, signed, new_state, new_name, kind
):
    old = agreement(published, state, old_name, model, signed)
    new = agreement(published, new_state, new_name, model, signed)
    assert (old["status"], old["successor_id"]) == ("corrected", new["agreement_id"])
    assert pd_isna(old["ended_date"])
    link = published.execute(
        "SELECT change_kind FROM history.links WHERE from_agreement_id = ? AND to_agreement_id = ?",
        [old["agreement_id"], new["agreement_id"]],
    ).fetchone()
    assert link == (kind,)
    cancelled = published.execute(
        "SELECT count(*) FROM history.cancellations WHERE agreement_id = ?", [old["agreement_id"]]
    ).fetchone()[0]
    assert cancelled == 0


def pd_isna(value) -> bool:
    return value is None or value != value


def test_real_cancellations_have_their_ended_dates(published):
    rows = published.execute(
        """
        SELECT state_code, agency_name, model, signed_date, last_seen_date, ended_date
        FROM history.cancellations
        WHERE (state_code, agency_name, model) IN (
            ('MD', 'Frederick County Sheriff''s Office', 'JEM'), ('NE', 'Brown County Sheriff''s Office', 'JEM'))
        ORDER BY state_code
        """
    ).fetchall()
    assert rows == [
        (
            "MD",
            "Frederick County Sheriff's Office",
            "JEM",
            dt.date(2020, 6, 9),
            dt.date(2026, 2, 13),
            dt.date(2026, 2, 17),
        ),
        (
            "NE",
            "Brown County Sheriff's Office",
            "JEM",
            dt.date(2025, 6, 18),
            dt.date(2025, 12, 5),
            dt.date(2025, 12, 5),
        ),
    ]


def test_no_cancelled_agreement_is_active_and_every_end_is_a_usable_list(published):
    active = published.execute(
        "SELECT count(*) FROM history.cancellations c JOIN history.agreements a USING (agreement_id) "
        "WHERE a.status <> 'ended'"
    ).fetchone()[0]
    assert active == 0
    relisted = published.execute(
        """
        SELECT count(*) FROM history.cancellations c
        JOIN clean.agreements n
            ON n.snapshot_key = ? AND n.state_code = c.state_code AND n.agency_key = c.agency_key
            AND n.model = c.model AND n.signed_date IS NOT DISTINCT FROM c.signed_date
        """,
        [NEWEST_KEY],
    ).fetchone()[0]
    assert relisted == 0
    off_list = published.execute(
        """
        SELECT count(*) FROM history.cancellations c
        LEFT JOIN raw.snapshots s ON s.snapshot_key = c.ended_snapshot_key AND s.snapshot_date = c.ended_date
            AND s.status = 'usable' AND s.list_kind = 'participating'
        WHERE s.snapshot_key IS NULL
        """
    ).fetchone()[0]
    assert off_list == 0


def test_tracking_window_view_and_counts(published):
    total, window = published.execute(
        "SELECT count(*), count(*) FILTER (WHERE ended_date > DATE '2025-12-08') FROM history.cancellations"
    ).fetchone()
    view = published.execute("SELECT count(*) FROM history.cancellations_since_tracking_start").fetchone()[0]
    assert view == window
    assert 0 < window < total


# A tiny archive: three usable lists and a quarantined one. Sheriff A stays, B leaves after the second list,
# C's county name is misspelled in the first list and fixed in the second.
SNAPSHOT_ROWS = [
    ("s1", "2026-01-05", "usable"),
    ("s2", "2026-01-06", "usable"),
    ("s2x", "2026-01-06", "quarantined"),
    ("s3", "2026-01-07", "usable"),
]
AGREEMENT_ROWS = [
    *[(key, "TX", "Aransas County Sheriff's Office", "JEM", "2025-03-01") for key in ("s1", "s2", "s3")],
    *[(key, "TX", "Bee County Sheriff's Office", "WSO", "2025-04-01") for key in ("s1", "s2")],
    ("s1", "TX", "Harris Conty Sheriff's Office", "TFM", "2025-05-01"),
    *[(key, "TX", "Harris County Sheriff's Office", "TFM", "2025-05-01") for key in ("s2", "s3")],
]


def tiny_database(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE SCHEMA clean")
        con.execute(
            "CREATE TABLE raw.snapshots (snapshot_key VARCHAR, snapshot_date DATE, snapshot_at TIMESTAMP, "
            "list_kind VARCHAR, status VARCHAR)"
        )
        con.executemany(
            "INSERT INTO raw.snapshots VALUES (?, ?::DATE, ?::TIMESTAMP, 'participating', ?)",
            [
                (key, day, f"{day} 09:00" if key != "s2x" else f"{day} 15:00", status)
                for key, day, status in SNAPSHOT_ROWS
            ],
        )
        con.execute(
            "CREATE TABLE clean.agreements (snapshot_key VARCHAR, snapshot_date DATE, state_code VARCHAR, "
            "agency_name VARCHAR, agency_key VARCHAR, county_name VARCHAR, level VARCHAR, model VARCHAR, "
            "signed_date DATE, moa_url VARCHAR, addendum_url VARCHAR)"
        )
        con.executemany(
            """
            INSERT INTO clean.agreements
            SELECT ?, s.snapshot_date, ?, ?, upper(replace(?, '''', '')), NULL, 'county', ?, ?::DATE, NULL, NULL
            FROM raw.snapshots s WHERE s.snapshot_key = ?
            """,
            [
                (key, state, name, name, model, signed, key)
                for key, state, name, model, signed in AGREEMENT_ROWS
            ],
        )


def test_history_asset_materializes_on_a_tiny_database(tmp_path):
    database, reference = tmp_path / "work.duckdb", tmp_path / "reference"
    reference.mkdir()
    tiny_database(database)
    header = ",".join(MANUAL_LINK_COLUMNS)
    typo = "TX,Nowhere Police Department,TFM,,Somewhere Police Department,TFM,,link,matches nothing"
    (reference / "agreement_links.csv").write_text(f"{header}\n{typo}\n", encoding="utf-8")

    result = dg.materialize(
        [history_tables, *HISTORY_CHECKS],
        resources={
            "duckdb": DuckDBResource(database=str(database)),
            "files": G287Files(data_dir=str(tmp_path), reference_dir=str(reference)),
        },
    )

    assert result.success
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert materialized == {dg.AssetKey(table.name.split(".")) for table in catalog.HISTORY_TABLES}
    metadata = result.asset_materializations_for_node("history_tables")
    counts = {m.asset_key.to_user_string(): m.metadata["dagster/row_count"].value for m in metadata}
    assert counts["history/agreements"] == 4
    assert counts["history/cancellations"] == 1
    assert counts["history/timeline"] == 3
    assert counts["history/links"] == 1
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        "no_agreement_both_active_and_ended": True,
        "cancellations_end_on_usable_lists": True,
        "newest_list_counts_agree": True,
        "manual_links_match": False,
        "no_open_review_pairs": True,
    }
    with duckdb.connect(str(database), read_only=True) as con:
        ended = con.execute("SELECT agency_name, ended_date FROM history.cancellations").fetchall()
        timeline = con.execute("SELECT snapshot_key, agreements FROM history.timeline ORDER BY 1").fetchall()
    assert ended == [("Bee County Sheriff's Office", dt.date(2026, 1, 7))]
    assert timeline == [("s1", 3), ("s2", 3), ("s3", 2)]
