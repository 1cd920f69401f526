"""The history assets: real values from a full build of the real archive, and a run on a tiny database.

The real-data values were read off ICE's lists and their MOA links: a rename ICE made between two lists
must come out as a correction, an agreement that left the list for good as a cancellation.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from dagster_duckdb import DuckDBResource

from g287_assets.defs.history.assets import history_tables
from g287_assets.defs.history.checks import CHECKS as HISTORY_CHECKS
from g287_assets.defs.resources import G287Files
from g287_assets.lib.history.engine import MANUAL_LINK_COLUMNS
from g287_assets.lib.settings import PROJECT_ROOT
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import ensure_table

NEWEST_KEY = "2026-05-18_am_f2d0629e"


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
        ("MA", "Crow Wing County Sheriff's Office", "WSO", "2025-03-27", "MN", "Crow Wing County Sheriff's Office", "state_corrected"),
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


@pytest.mark.parametrize(
    ("state", "alias_name", "name", "model", "signed", "first_seen"),
    [
        ("MO", "Pettis County Sheriff's Department", "Pettis County Sheriff's Office", "JEM", "2025-08-28", "2025-08-29"),
        ("SC", "Lexington County Sheriff's Office", "Lexington County Sheriff's Department", "JEM", "2020-06-08", "2021-01-13"),
        ("WI", "Waukesha County Sheriff's Office", "Waukesha County Sheriff's Department", "JEM", "2020-06-10", "2021-01-13"),
        ("FL", "Tampa PD", "Tampa Police Department", "TFM", "2025-02-28", "2025-03-06"),
    ],
)  # fmt: skip
def test_names_of_one_agency_are_one_agreement_from_its_first_listing(
    published, state, alias_name, name, model, signed, first_seen
):
    """These pairs were corrections before abbreviations and the sheriff's two names made one key."""
    row = agreement(published, state, name, model, signed)
    assert (row["status"], row["first_seen_date"]) == ("active", pd.Timestamp(first_seen))
    assert published.execute(
        "SELECT count(*) FROM history.agreements WHERE state_code = ? AND agency_name = ? AND model = ?",
        [state, alias_name, model],
    ).fetchone() == (0,)


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


# ---- real cases of each kind, found in the archive and read back off ICE's lists -------------------------


def chain_of(con, agreement_id: str) -> list[tuple]:
    """(agency_name, signed_date, status) of a row and each successor after it."""
    rows = []
    while agreement_id is not None:
        row = con.execute(
            "SELECT agency_name, signed_date, status, successor_id FROM history.agreements WHERE agreement_id = ?",
            [agreement_id],
        ).fetchone()
        rows.append(row[:3])
        agreement_id = row[3] if row[2] == "corrected" else None
    return rows


def test_a_name_typo_fixed_twice_is_one_agreement(published):
    # ICE listed Somervell County's WSO as "Somervill", then "Somerville", then spelled it right.
    first = agreement(published, "TX", "Somervill County Sheriff's Office", "WSO", "2025-09-22")
    assert chain_of(published, first["agreement_id"]) == [
        ("Somervill County Sheriff's Office", dt.date(2025, 9, 22), "corrected"),
        ("Somerville County Sheriff's Office", dt.date(2025, 9, 22), "corrected"),
        ("Somervell County Sheriff's Office", dt.date(2025, 9, 22), "active"),
    ]
    links = published.execute(
        "SELECT from_agency_name, to_agency_name, change_kind, method, round(score, 1), from_gone_date "
        "FROM history.links WHERE state_code = 'TX' AND from_agency_name LIKE 'Somervil%' ORDER BY from_gone_date"
    ).fetchall()
    assert links == [
        ("Somervill County Sheriff's Office", "Somerville County Sheriff's Office", "renamed", "automatic", 94.7,
         dt.date(2025, 10, 8)),
        ("Somerville County Sheriff's Office", "Somervell County Sheriff's Office", "renamed", "automatic", 84.2,
         dt.date(2025, 12, 10)),
    ]  # fmt: skip
    agency = published.execute(
        "SELECT agency_name, models_now, former_names, first_seen_date FROM history.agencies "
        "WHERE state_code = 'TX' AND agency_name = 'Somervell County Sheriff''s Office'"
    ).fetchall()
    assert agency == [
        (
            "Somervell County Sheriff's Office",
            ["WSO"],
            ["Somervill County Sheriff's Office", "Somerville County Sheriff's Office"],
            dt.date(2025, 9, 24),
        )
    ]


def test_a_signing_date_fixed_is_a_correction(published):
    # Tenaha's task force was listed as signed 2025-01-07 (a year typo) until 2026-05-07, then 2026-01-07.
    old = agreement(published, "TX", "Tenaha Police Department", "TFM", "2025-01-07")
    new = agreement(published, "TX", "Tenaha Police Department", "TFM", "2026-01-07")
    assert (old["status"], old["successor_id"], old["corrected_date"]) == (
        "corrected",
        new["agreement_id"],
        pd.Timestamp("2026-05-07"),
    )
    assert (new["status"], new["predecessor_id"], new["lineage_id"]) == (
        "active",
        old["agreement_id"],
        old["agreement_id"],
    )
    change = published.execute(
        "SELECT snapshot_date, event, field, old_value, new_value FROM history.changes "
        "WHERE agreement_id = ? AND event = 're-dated'",
        [new["agreement_id"]],
    ).fetchall()
    assert change == [(dt.date(2026, 5, 7), "re-dated", "signed_date", "2025-01-07", "2026-01-07")]


def test_an_agreement_gone_and_back_is_one_agreement_with_a_gap(published):
    # East Donegal's constables were left off four lists from the second list of 2025-07-24 and came back
    # on 2025-07-29: one agreement, active, with one gap.
    row = agreement(published, "PA", "East Donegal Township Constables Office", "TFM", "2025-07-15")
    assert (row["status"], row["gap_count"]) == ("active", 1)
    gap = published.execute(
        "SELECT last_seen_before_date, first_missing_date, returned_date, snapshots_missed FROM history.gaps "
        "WHERE agreement_id = ?",
        [row["agreement_id"]],
    ).fetchall()
    assert gap == [(dt.date(2025, 7, 24), dt.date(2025, 7, 24), dt.date(2025, 7, 29), 4)]
    events = published.execute(
        "SELECT snapshot_date, event FROM history.changes WHERE agreement_id = ? AND event <> 'corrected' "
        "ORDER BY snapshot_date",
        [row["agreement_id"]],
    ).fetchall()
    assert events == [
        (dt.date(2025, 7, 16), "added"),
        (dt.date(2025, 7, 24), "disappeared"),
        (dt.date(2025, 7, 29), "reappeared"),
    ]
    cancelled = published.execute(
        "SELECT count(*) FROM history.cancellations WHERE agreement_id = ?", [row["agreement_id"]]
    ).fetchone()
    assert cancelled == (0,)


def test_a_fix_ice_undid_is_not_a_cancellation(published):
    # ICE fixed "Southhampton" to "Southampton" in September 2025 and went back to "Southhampton" on
    # 2026-05-07: the returning old spelling is the twin of the vanishing one.
    gone = agreement(
        published, "PA", "Southampton Twp. Cumberland City, Constables Office", "TFM", "2025-09-09"
    )
    back = agreement(
        published, "PA", "Southhampton Twp. Cumberland City, Constables Office", "TFM", "2025-09-09"
    )
    assert (gone["status"], gone["successor_id"]) == ("corrected", back["agreement_id"])
    assert (back["status"], back["gap_count"]) == ("active", 1)
    wyoming = agreement(published, "WY", "Wyoming Highway State Patrol", "TFM", "2025-07-24")
    assert wyoming["status"] == "corrected"


def test_an_agency_switching_model_ends_one_and_starts_another(published):
    # Person County's JEM left the list on 2026-04-13, the day its WSO (signed that day) appeared.
    jem = agreement(published, "NC", "Person County Sheriff's Office", "JEM", "2026-02-10")
    wso = agreement(published, "NC", "Person County Sheriff's Office", "WSO", "2026-04-13")
    assert (jem["status"], jem["ended_date"], jem["successor_id"], jem["successor_reason"]) == (
        "ended",
        pd.Timestamp("2026-04-13"),
        wso["agreement_id"],
        "model_change",
    )
    assert (wso["status"], wso["first_seen_date"]) == ("active", pd.Timestamp("2026-04-13"))
    agency = published.execute(
        "SELECT models_now, models_before, active_agreements, ended_agreements, first_signed_date "
        "FROM history.agencies WHERE state_code = 'NC' AND agency_name = 'Person County Sheriff''s Office'"
    ).fetchall()
    assert agency == [(["WSO"], ["JEM"], 1, 1, dt.date(2026, 2, 10))]


def test_five_maryland_agreements_ended_together(published):
    rows = published.execute(
        "SELECT state_code, agency_name, model, signed_date, last_seen_date FROM history.cancellations "
        "WHERE ended_date = DATE '2026-02-27' ORDER BY agency_name"
    ).fetchall()
    assert rows == [
        ("MD", "Carroll County Sheriff's Office", "WSO", dt.date(2025, 3, 3), dt.date(2026, 2, 17)),
        ("MD", "Cecil County Sheriff's Office", "JEM", dt.date(2020, 3, 9), dt.date(2026, 2, 17)),
        ("MD", "Harford County Sheriff's Office", "JEM", dt.date(2020, 6, 26), dt.date(2026, 2, 17)),
        ("MD", "St. Mary's County Sheriff's Office", "WSO", dt.date(2025, 3, 26), dt.date(2026, 2, 17)),
        ("MD", "Wicomico County Corrections Center", "WSO", dt.date(2026, 1, 30), dt.date(2026, 2, 17)),
    ]


def test_whole_archive_counts(published):
    cancellations = published.execute(
        "SELECT count(*), count(*) FILTER (WHERE ended_date > DATE '2025-12-08') FROM history.cancellations"
    ).fetchone()
    assert cancellations == (103, 48)
    kinds = published.execute(
        "SELECT change_kind, count(*) FROM history.links GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert kinds == [("re_dated", 78), ("renamed", 67), ("state_corrected", 5)]
    assert published.execute("SELECT count(*) FROM history.gaps").fetchone() == (14,)
    assert published.execute("SELECT count(*) FROM history.link_review").fetchone() == (0,)
    newest = published.execute(
        "SELECT agencies, agencies_all_three_models FROM history.timeline ORDER BY snapshot_at DESC LIMIT 1"
    ).fetchone()
    active_agencies = published.execute(
        "SELECT count(*) FROM history.agencies WHERE status = 'active'"
    ).fetchone()[0]
    assert newest == (active_agencies, 50) == (1549, 50)


def test_agencies_follow_renames_but_not_moved_agreements(published):
    def agency(state: str, name: str) -> tuple:
        return published.execute(
            "SELECT models_now, former_names FROM history.agencies WHERE state_code = ? AND agency_name = ?",
            [state, name],
        ).fetchone()

    assert agency("MN", "Freeborn County Sheriff's Office") == (["WSO"], ["Freedom County Sheriff's Office"])
    # The county board's task force moved to the sheriff while the board kept its jail agreement: the
    # board's old short name belongs to the board, and the sheriff stays an agency of its own.
    board = "Pasco County Board of County Commissioners/ Pasco County Corrections"
    assert agency("FL", board) == (
        ["WSO"],
        ["Pasco County BOCC", "Pasco County Board of County Commissioners"],
    )
    assert agency("FL", "Pasco County Sheriff's Office") == (["TFM"], [])
    assert agency("AZ", "Pinal County Sheriff's Office") == (["JEM"], [])


def test_pending_requests_and_the_agreements_they_became(published):
    rows = published.execute(
        """
        SELECT state_code, agency_name, model, first_pending_date, last_pending_date, outcome, signed_date,
            first_listed_signed_date, days_pending_to_listed
        FROM history.pending_agencies
        WHERE (state_code, agency_name) IN (
            ('NC', 'Person County Sheriff''s Office'), ('TX', 'Tenaha Police Department'),
            ('MD', 'Marlow Heights Special Police Department'), ('FL', 'Blountstown Police Department'))
        ORDER BY state_code, agency_name
        """
    ).fetchall()
    assert rows == [
        ("FL", "Blountstown Police Department", "TFM", dt.date(2025, 4, 3), dt.date(2025, 4, 11),
         "already_participating", None, None, None),
        ("MD", "Marlow Heights Special Police Department", "TFM", dt.date(2025, 7, 10), dt.date(2025, 7, 23),
         "removed_unsigned", None, None, None),
        ("NC", "Person County Sheriff's Office", "JEM", dt.date(2026, 2, 5), dt.date(2026, 2, 10), "signed",
         dt.date(2026, 2, 10), dt.date(2026, 2, 11), 6),
        # Signed 2026-01-07 but listed for months with a 2025 date: its first listing is the corrected row's.
        ("TX", "Tenaha Police Department", "TFM", dt.date(2025, 12, 30), dt.date(2026, 1, 6), "signed",
         dt.date(2026, 1, 7), dt.date(2026, 1, 8), 9),
    ]  # fmt: skip
    outcomes = dict(
        published.execute("SELECT outcome, count(*) FROM history.pending_agencies GROUP BY ALL").fetchall()
    )
    # Pulaski AR and Kewaunee WI asked as "Sheriff's Department" and signed as "Sheriff's Office"; the
    # "City of" Hialeah and Monroe requests are the police departments' own (one request each).
    assert outcomes == {"signed": 904, "removed_unsigned": 57, "already_participating": 5}


def test_history_checks_pass_on_the_real_build(built_archive: Path, tmp_path: Path):
    database = tmp_path / "g287.duckdb"
    shutil.copyfile(built_archive / "g287.duckdb", database)
    resources = {
        "duckdb": DuckDBResource(database=str(database)),
        "files": G287Files(data_dir=str(tmp_path), reference_dir=str(PROJECT_ROOT / "data" / "reference")),
    }
    results = {}
    for check in HISTORY_CHECKS:
        wanted = {
            name: resources[name] for name in ("duckdb", "files") if name in check.required_resource_keys
        }
        results[check.check_key.name] = check(**wanted)
    assert {name: result.passed for name, result in results.items()} == {name: True for name in results}
    mass = results["no_mass_ending_transition"].metadata
    assert mass["worst share"].value < 0.05
    assert "2025-08-11_am_9ae59509" in mass["quarantined lists (kept out of history)"].value


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
            "list_kind VARCHAR, status VARCHAR, quality_reason VARCHAR, row_count INTEGER)"
        )
        con.executemany(
            "INSERT INTO raw.snapshots VALUES (?, ?::DATE, ?::TIMESTAMP, 'participating', ?, ?, NULL)",
            [
                (
                    key,
                    day,
                    f"{day} 09:00" if key != "s2x" else f"{day} 15:00",
                    status,
                    None if status == "usable" else "empty",
                )
                for key, day, status in SNAPSHOT_ROWS
            ],
        )
        ensure_table(con, catalog.USABLE_PARTICIPATING_LISTS)
        con.execute(
            "CREATE TABLE clean.agreements (snapshot_key VARCHAR, snapshot_date DATE, state_code VARCHAR, "
            "agency_name VARCHAR, agency_key VARCHAR, county_name VARCHAR, level VARCHAR, model VARCHAR, "
            "signed_date DATE, moa_url VARCHAR, addendum_url VARCHAR, name_key VARCHAR, moa_date DATE, "
            "addendum_date DATE)"
        )
        con.executemany(
            """
            INSERT INTO clean.agreements
            SELECT ?, s.snapshot_date, ?, ?, upper(replace(?, '''', '')), NULL, 'county', ?, ?::DATE, NULL, NULL,
                upper(replace(?, '''', '')), NULL, NULL
            FROM raw.snapshots s WHERE s.snapshot_key = ?
            """,
            [
                (key, state, name, name, model, signed, name, key)
                for key, state, name, model, signed in AGREEMENT_ROWS
            ],
        )


def test_history_asset_materializes_on_a_tiny_database(tmp_path):
    database, reference = tmp_path / "work.duckdb", tmp_path / "reference"
    shutil.copytree(PROJECT_ROOT / "data" / "reference", reference)
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
    assert counts["history/agencies"] == 3
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert {name: evaluation.passed for name, evaluation in checks.items()} == {
        "no_agreement_both_active_and_ended": True,
        "cancellations_end_on_usable_lists": True,
        "newest_list_counts_agree": True,
        "manual_links_match": False,
        "no_open_review_pairs": True,
        # Bee's ending is one of three agreements: far over 5%, so the transition is named, loudly.
        "no_mass_ending_transition": False,
        "active_agreements_are_the_newest_list": True,
        "corrections_lead_to_live_agreements": True,
    }
    mass = checks["no_mass_ending_transition"]
    assert mass.severity == dg.AssetCheckSeverity.ERROR
    assert mass.description == "transitions ending over 5%: s2 -> s3"
    # The quarantined list lists nothing: it would end all three, and is kept out of history.
    assert "| s2x " in mass.metadata["quarantined lists (kept out of history)"].value
    with duckdb.connect(str(database), read_only=True) as con:
        ended = con.execute("SELECT agency_name, ended_date FROM history.cancellations").fetchall()
        timeline = con.execute("SELECT snapshot_key, agreements FROM history.timeline ORDER BY 1").fetchall()
    assert ended == [("Bee County Sheriff's Office", dt.date(2026, 1, 7))]
    assert timeline == [("s1", 3), ("s2", 3), ("s3", 2)]


def test_an_abbreviated_listing_is_the_same_agreement_not_a_cancellation(published):
    row = agreement(published, "FL", "Indian River Shores Department of Public Safety", "TFM", "2025-03-05")
    # Listed as "Indian River Shores DPS" on 2025-03-07, then written out: one agreement since that list.
    assert (row["status"], row["first_seen_date"]) == ("active", pd.Timestamp("2025-03-07"))
    assert published.execute(
        "SELECT count(*) FROM history.cancellations WHERE agency_key LIKE 'INDIAN RIVER SHORES%'"
    ).fetchone() == (0,)


def test_one_sheriff_under_two_names_is_one_agency(published):
    rows = published.execute(
        "SELECT agency_name, models_now, active_agreements FROM history.agencies "
        "WHERE state_code = 'TX' AND agency_key = 'WALKER COUNTY SHERIFFS OFFICE'"
    ).fetchall()
    # ICE lists the JEM agreement under "Sheriff's Department" and the WSO one under "Sheriff's Office".
    assert rows == [("Walker County Sheriff's Office", ["JEM", "WSO"], 2)]


def test_every_alias_is_recorded_with_its_rule_and_used_everywhere(published):
    aliases = published.execute(
        "SELECT state_code, alias_key, agency_key, method, rules FROM history.agency_aliases "
        "WHERE alias_key IN ('TAMPA PD', 'MT DEPT OF JUSTICE', 'WALKER COUNTY SHERIFFS DEPARTMENT') "
        "ORDER BY alias_key"
    ).fetchall()
    assert aliases == [
        (
            "MT",
            "MT DEPT OF JUSTICE",
            "MONTANA DEPARTMENT OF JUSTICE",
            "reviewed",
            ["agency_aliases:MT:MT Dept of Justice"],
        ),
        ("FL", "TAMPA PD", "TAMPA POLICE DEPARTMENT", "rule", ["agency_key_rules:PD"]),
        (
            "TX",
            "WALKER COUNTY SHERIFFS DEPARTMENT",
            "WALKER COUNTY SHERIFFS OFFICE",
            "rule",
            ["agency_key_rules:SHERIFFS_OFFICE"],
        ),
    ]
    # No table keeps an alias key as an agency of its own: history, geography and the marts share the key.
    leftovers = published.execute(
        """
        SELECT count(*) FROM history.agency_aliases AS a
        WHERE EXISTS (SELECT 1 FROM history.agreements h WHERE h.state_code = a.state_code AND h.agency_key = a.alias_key)
           OR EXISTS (SELECT 1 FROM geo.agency_jurisdictions g WHERE g.state_code = a.state_code AND g.agency_key = a.alias_key)
           OR EXISTS (SELECT 1 FROM marts.current_agreements m WHERE m.state_code = a.state_code AND m.agency_key = a.alias_key)
        """
    ).fetchone()
    assert leftovers == (0,)
    unexplained = published.execute(
        "SELECT count(*) FILTER (WHERE reason IS NULL), count(*) FILTER (WHERE agency_id IS NULL AND EXISTS ("
        "SELECT 1 FROM history.agreements h WHERE h.state_code = a.state_code AND h.agency_key = a.agency_key)) "
        "FROM history.agency_aliases AS a"
    ).fetchone()
    assert unexplained == (0, 0)


def test_the_timeline_keeps_ices_row_count_beside_the_distinct_agreements(published):
    # 2025-06-12: Zephyrhills listed twice, as "City of Zephyrhills Police Department" and under its own name.
    row = published.execute(
        "SELECT agreements, ice_rows FROM history.timeline WHERE snapshot_date = DATE '2025-06-12'"
    ).fetchone()
    assert row == (697, 698)
    newest = published.execute(
        "SELECT agreements, ice_rows FROM history.timeline ORDER BY snapshot_at DESC LIMIT 1"
    ).fetchone()
    assert newest == (1843, 1843)


def test_signed_values_that_contradict_their_moa_are_flagged(published):
    mohawk = agreement(published, "NY", "Mohawk Village Police Department", "TFM", "2016-03-19")
    # SIGNED says 2016; the MOA ICE links is MohawkVillagePoliceDeptNY_TFM_MOA_03192026.pdf.
    assert (mohawk["moa_date"], mohawk["signed_contradicts_moa"]) == (pd.Timestamp("2026-03-19"), True)
    counts = published.execute(
        "SELECT status, count(*) FILTER (WHERE signed_contradicts_moa), count(moa_date) "
        "FROM history.agreements GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert counts == [("active", 17, 1663), ("corrected", 2, 43), ("ended", 1, 83)]


def test_cancellations_tell_a_brief_listing_from_a_cancelled_agreement(published):
    brief = published.execute(
        "SELECT state_code, agency_name, lists_seen FROM history.cancellations "
        "WHERE brief_listing ORDER BY ended_date, agency_name"
    ).fetchall()
    assert brief == [
        ("NV", "Douglas County Sheriff's Office", 4),
        ("NV", "Mineral County Sheriff's Office", 1),
        ("DE", "Camden Police Department", 3),
        ("TN", "Moore County Sheriff's Office", 2),
        ("PA", "Pine Grove Borough Police Department", 3),
        ("OK", "Caney Valley Public Schools Police Department", 2),
    ]
    assert published.execute(
        "SELECT count(*) FILTER (WHERE NOT moa_published), count(*) FROM history.cancellations"
    ).fetchone() == (20, 103)
