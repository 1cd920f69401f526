"""The history engine on a synthetic archive whose every change is known in advance.

The generator builds 60 daily usable lists of about 200 agreements with scripted churn: signings, endings,
a name typo fixed, a signing date re-dated, a disappear-and-return, a curly-apostrophe duplicate in one
file, a TYPE correction, a model switch, an unrelated ending on the same day and date as an unrelated
signing, a quarantined file missing half its rows and a pending list. The tests compare the engine's
tables with that script, not with the engine's own idea of it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import duckdb
import pandas as pd
import pytest

from g287_assets.lib.history.engine import (
    MANUAL_LINK_COLUMNS,
    HistoryStats,
    ManualLinksError,
    abbreviates,
    build_history,
    choose_links,
    name_similarity,
    read_manual_links,
    score_candidates,
    validate_manual_links,
)
from g287_assets.lib.normalize import agency_key, display_name
from g287_assets.lib.settings import PROJECT_ROOT
from g287_assets.lib.warehouse import catalog
from g287_assets.lib.warehouse.database import ensure_table

START = date(2025, 11, 20)
SNAPSHOTS = 60
NO_LINKS = pd.DataFrame(columns=list(MANUAL_LINK_COLUMNS))
SYLLABLES = ["bar", "ken", "lo", "mir", "sta", "qua", "vel", "dor", "pin", "tus", "gal", "fen", "rho", "zim"]
STATES = ["TX", "FL", "GA", "AL", "TN", "SC"]
MODELS = ["JEM", "WSO", "TFM"]


@dataclass
class Spec:
    """One row of the synthetic lists: what it says and in which snapshots (by index) it is listed."""

    state_code: str
    agency_name: str
    model: str
    signed_date: date | None
    level: str
    present: set[int]
    county_name: str | None = None
    level_from: dict[int, str] = field(default_factory=dict)

    def key(self) -> tuple:
        return (self.state_code, agency_key(self.agency_name), self.model, self.signed_date)


def snapshot_date(index: int) -> date:
    return START + timedelta(days=index)


def synthetic_specs() -> tuple[list[Spec], dict[str, object]]:
    """The scripted archive, and its ground truth written down from the script itself."""
    rng = random.Random(287)
    names: set[str] = set()
    while len(names) < 260:
        names.add("".join(rng.sample(SYLLABLES, 3)).title())
    places = sorted(names)
    everywhere = set(range(SNAPSHOTS))

    def bulk(number: int, present: set[int], signed: date) -> Spec:
        place = places[number]
        municipal = number % 2 == 1
        return Spec(
            state_code=STATES[number % len(STATES)],
            agency_name=f"{place} Police Department" if municipal else f"{place} County Sheriff's Office",
            model=MODELS[number % len(MODELS)],
            signed_date=signed,
            level="municipal" if municipal else "county",
            county_name=None if municipal else f"{place} County",
            present=present,
        )

    specs = [bulk(n, set(everywhere), date(2025, 1, 1) + timedelta(days=n)) for n in range(200)]
    end_at = [8, 12, 15, 18, 22, 33, 41, 47, 52, 58]
    for number, index in enumerate(end_at):
        specs[number].present = set(range(index))
    specs[20].present = everywhere - {25, 26, 27}
    specs[40].level, specs[40].level_from = "other", {35: "municipal"}
    signings = [
        bulk(200 + n, set(range(5 + n, SNAPSHOTS)), snapshot_date(5 + n) - timedelta(days=2))
        for n in range(40)
    ]
    signings[5].present = set(range(10, 30))
    specs += signings
    until, since = set(range(20)), set(range(20, SNAPSHOTS))
    harris = ("JEM", date(2025, 3, 1), "county")
    typo = Spec("TX", "Harris Conty Sheriff's Office", *harris, until, "Harris County")
    fixed = Spec("TX", "Harris County Sheriff's Office", *harris, since, "Harris County")
    until, since = set(range(30)), set(range(30, SNAPSHOTS))
    old_date = Spec("AL", "Fairhope Police Department", "TFM", date(2025, 6, 12), "municipal", until)
    new_date = Spec("AL", "Fairhope Police Department", "TFM", date(2025, 6, 11), "municipal", since)
    until, since = set(range(50)), set(range(50, SNAPSHOTS))
    old_model = Spec("GA", "Ridgecrest County Sheriff's Office", "JEM", date(2025, 2, 2), "county", until)
    new_model = Spec("GA", "Ridgecrest County Sheriff's Office", "TFM", date(2026, 1, 7), "county", since)
    until, since = set(range(12)), set(range(12, SNAPSHOTS))
    unrelated_end = Spec("FL", "Bexington County Sheriff's Office", "WSO", date(2025, 12, 1), "county", until)
    unrelated_start = Spec("FL", "Quorvale Police Department", "WSO", date(2025, 12, 1), "municipal", since)
    specs += [typo, fixed, old_date, new_date, old_model, new_model, unrelated_end, unrelated_start]

    ended = [specs[n] for n in range(10)] + [signings[5], old_model, unrelated_end]
    truth = {
        "cancellations": {(spec.key(), snapshot_date(max(spec.present) + 1)) for spec in ended},
        "typo": (typo.key(), fixed.key()),
        "re_dated": (old_date.key(), new_date.key()),
        "model_change": (old_model.key(), new_model.key()),
        "gap": specs[20].key(),
        "level_fix": specs[40].key(),
        "duplicated": specs[30],
        "rows_in_newest": sum(SNAPSHOTS - 1 in spec.present for spec in specs),
    }
    return specs, truth


def snapshot_row(
    key: str, index: int, at: datetime, *, kind: str = "participating", status: str = "usable"
) -> dict:
    return {
        "snapshot_key": key,
        "snapshot_date": at.date(),
        "snapshot_at": at,
        "list_kind": kind,
        "source_format": "spreadsheet",
        "status": status,
        "quality_reason": None if status == "usable" else "half the rows of the previous list are missing",
        "file_name": f"{key}.xlsx",
        "sha256": f"{index:064x}",
    }


def agreement_row(snapshot: dict, row: int, spec: Spec, index: int, raw_name: str | None = None) -> dict:
    level = spec.level
    for since, new_level in spec.level_from.items():
        if index >= since:
            level = new_level
    name = raw_name or spec.agency_name
    return {
        "snapshot_key": snapshot["snapshot_key"],
        "snapshot_date": snapshot["snapshot_date"],
        "list_kind": snapshot["list_kind"],
        "source_row": row,
        "state_code": spec.state_code,
        "state_fips": None,
        "agency_name": display_name(name),
        "agency_key": agency_key(name),
        "name_key": agency_key(name),
        "county_name": spec.county_name,
        "level": level,
        "model": spec.model,
        "signed_date": spec.signed_date,
        "moa_url": None,
        "addendum_url": None,
        "moa_date": None,
        "addendum_date": None,
    }


def synthetic_tables(specs: list[Spec], *, quarantined: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """raw.snapshots and clean.agreements of the scripted archive."""
    snapshots, rows = [], []
    for index in range(SNAPSHOTS):
        snapshot = snapshot_row(f"s{index:03d}", index, datetime.combine(snapshot_date(index), time(9)))
        snapshots.append(snapshot)
        listed = [spec for spec in specs if index in spec.present]
        rows += [agreement_row(snapshot, row, spec, index) for row, spec in enumerate(listed, start=2)]
        if index == 40:
            twin = specs[30]
            curly = twin.agency_name.replace("'", "\u2019")
            rows.append(agreement_row(snapshot, len(listed) + 2, twin, index, raw_name=curly))
    half = snapshot_row("s044_bad", 1000, datetime.combine(snapshot_date(44), time(15)), status="quarantined")
    pending = snapshot_row("p044", 1001, datetime.combine(snapshot_date(44), time(16)), kind="pending")
    newcomer = Spec("TN", "Pendingville Police Department", "TFM", None, "municipal", set())
    rows.append(agreement_row(pending, 2, newcomer, 44))
    snapshots.append(pending)
    if quarantined:
        snapshots.append(half)
        listed = [spec for spec in specs if 44 in spec.present][::2]
        rows += [agreement_row(half, row, spec, 44) for row, spec in enumerate(listed, start=2)]
    frame = pd.DataFrame(snapshots)
    frame["row_count"] = frame["snapshot_key"].map(pd.DataFrame(rows).groupby("snapshot_key").size())
    return frame, pd.DataFrame(rows)


def load_inputs(con: duckdb.DuckDBPyConnection, snapshots: pd.DataFrame, agreements: pd.DataFrame) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS clean")
    con.register("snapshots_frame", snapshots)
    con.register("agreements_frame", agreements)
    con.execute(
        """
        CREATE OR REPLACE TABLE raw.snapshots AS
        SELECT snapshot_key, snapshot_date::DATE AS snapshot_date, snapshot_at::TIMESTAMP AS snapshot_at,
            list_kind, source_format, status, quality_reason::VARCHAR AS quality_reason,
            row_count::INTEGER AS row_count, file_name, sha256
        FROM snapshots_frame
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE clean.agreements AS
        SELECT snapshot_key, snapshot_date::DATE AS snapshot_date, list_kind,
            source_row::INTEGER AS source_row,
            state_code, state_fips::VARCHAR AS state_fips, agency_name, agency_key, name_key,
            county_name::VARCHAR AS county_name, level, model, signed_date::DATE AS signed_date,
            moa_url::VARCHAR AS moa_url, addendum_url::VARCHAR AS addendum_url,
            moa_date::DATE AS moa_date, addendum_date::DATE AS addendum_date
        FROM agreements_frame
        """
    )
    con.unregister("snapshots_frame")
    con.unregister("agreements_frame")
    ensure_table(con, catalog.USABLE_PARTICIPATING_LISTS)


@dataclass
class Built:
    """A database with the history tables built, and what the build reported."""

    con: duckdb.DuckDBPyConnection
    stats: HistoryStats


def built(specs: list[Spec], links: pd.DataFrame = NO_LINKS, **tables) -> Built:
    con = duckdb.connect()
    load_inputs(con, *synthetic_tables(specs, **tables))
    return Built(con, build_history(con, links))


def key_of(row: tuple) -> tuple:
    state_code, key, model, signed = row
    return (state_code, key, model, signed)


def agreement(build: Built, key: tuple) -> dict:
    frame = build.con.execute(
        """
        SELECT * FROM history.agreements
        WHERE state_code = ? AND agency_key = ? AND model = ? AND signed_date IS NOT DISTINCT FROM ?
        """,
        list(key),
    ).df()
    assert len(frame) == 1, key
    return frame.iloc[0].to_dict()


@pytest.fixture(scope="module")
def archive() -> tuple[list[Spec], dict[str, object]]:
    return synthetic_specs()


@pytest.fixture(scope="module")
def history(archive) -> Built:
    return built(archive[0])


def test_cancellations_are_exactly_the_scripted_endings(history, archive):
    rows = history.con.execute(
        "SELECT state_code, agency_key, model, signed_date, ended_date FROM history.cancellations"
    ).fetchall()
    found = {(key_of(row[:4]), row[4]) for row in rows}
    assert found == archive[1]["cancellations"]
    assert len(found) == 13


def test_window_view_keeps_endings_after_tracking_start(history, archive):
    dates = [
        row[0]
        for row in history.con.execute(
            "SELECT ended_date FROM history.cancellations_since_tracking_start ORDER BY ended_date"
        ).fetchall()
    ]
    expected = sorted(ended for _, ended in archive[1]["cancellations"] if ended > date(2025, 12, 8))
    assert dates == expected
    assert date(2025, 12, 8) in {ended for _, ended in archive[1]["cancellations"]}
    assert dates[0] == date(2025, 12, 12)


def test_typo_fix_is_a_correction_not_a_cancellation(history, archive):
    old_key, new_key = archive[1]["typo"]
    old, new = agreement(history, old_key), agreement(history, new_key)
    assert old["status"] == "corrected"
    assert pd.isna(old["ended_date"])
    assert old["corrected_date"] == pd.Timestamp(snapshot_date(20))
    assert old["successor_id"] == new["agreement_id"]
    assert new["predecessor_id"] == old["agreement_id"]
    assert new["lineage_id"] == old["agreement_id"]
    assert new["status"] == "active"
    link = history.con.execute(
        "SELECT method, change_kind, score FROM history.links WHERE from_agreement_id = ?",
        [old["agreement_id"]],
    ).fetchone()
    assert link[:2] == ("automatic", "renamed")
    assert link[2] == pytest.approx(90.9, abs=0.1)
    change = history.con.execute(
        "SELECT snapshot_key, event, field, old_value, new_value FROM history.changes WHERE agreement_id = ?",
        [new["agreement_id"]],
    ).fetchall()
    assert change == [
        (
            "s020",
            "corrected",
            "agency_name",
            "Harris Conty Sheriff's Office",
            "Harris County Sheriff's Office",
        )
    ]


def test_re_dated_signing_is_linked(history, archive):
    old_key, new_key = archive[1]["re_dated"]
    old, new = agreement(history, old_key), agreement(history, new_key)
    assert (old["status"], old["successor_id"]) == ("corrected", new["agreement_id"])
    change = history.con.execute(
        "SELECT snapshot_key, event, field, old_value, new_value FROM history.changes WHERE agreement_id = ?",
        [new["agreement_id"]],
    ).fetchall()
    assert change == [("s030", "re-dated", "signed_date", "2025-06-12", "2025-06-11")]


def test_disappear_and_return_is_one_agreement_with_a_gap(history, archive):
    row = agreement(history, archive[1]["gap"])
    assert (row["status"], row["gap_count"], row["snapshots_seen"]) == ("active", 1, SNAPSHOTS - 3)
    gap = history.con.execute(
        "SELECT first_missing_snapshot_key, returned_snapshot_key, snapshots_missed FROM history.gaps"
    ).fetchall()
    assert gap == [("s025", "s028", 3)]
    events = history.con.execute(
        "SELECT snapshot_key, event FROM history.changes WHERE agreement_id = ? ORDER BY snapshot_key",
        [row["agreement_id"]],
    ).fetchall()
    assert events == [("s025", "disappeared"), ("s028", "reappeared")]


def test_model_switch_ends_with_the_new_model_as_successor(history, archive):
    old_key, new_key = archive[1]["model_change"]
    old, new = agreement(history, old_key), agreement(history, new_key)
    assert (old["status"], old["successor_id"], old["successor_reason"]) == (
        "ended",
        new["agreement_id"],
        "model_change",
    )


def test_only_true_twins_are_linked_and_a_lookalike_goes_to_review(history):
    query = "SELECT from_agency_name, to_agency_name FROM history.links ORDER BY 1"
    linked = history.con.execute(query).fetchall()
    assert linked == [
        ("Fairhope Police Department", "Fairhope Police Department"),
        ("Harris Conty Sheriff's Office", "Harris County Sheriff's Office"),
    ]
    # Two generated towns whose names happen to be close, one ending two lists after the other signed:
    # plausible enough to show a person, too different (name and date) to link unattended.
    review = history.con.execute(
        "SELECT from_agency_name, to_agency_name, review_reason, from_agreement_id FROM history.link_review"
    ).fetchall()
    assert [row[:3] for row in review] == [
        (
            "Tusgalpin Police Department",
            "Tusvelpin Police Department",
            "both the name and the signing date changed",
        )
    ]
    cancelled = history.con.execute(
        "SELECT count(*) FROM history.cancellations WHERE agreement_id = ?", [review[0][3]]
    ).fetchone()[0]
    assert cancelled == 1


def test_type_correction_is_logged_on_the_same_agreement(history, archive):
    row = agreement(history, archive[1]["level_fix"])
    assert row["level"] == "municipal"
    change = history.con.execute(
        "SELECT snapshot_key, event, field, old_value, new_value FROM history.changes WHERE agreement_id = ?",
        [row["agreement_id"]],
    ).fetchall()
    assert change == [("s035", "corrected", "level", "other", "municipal")]


def test_curly_apostrophe_duplicate_counts_once(history, archive):
    listed = sum(40 in spec.present for spec in archive[0])
    query = "SELECT agreements FROM history.timeline WHERE snapshot_key = 's040'"
    counted = history.con.execute(query).fetchone()
    raw = history.con.execute("SELECT count(*) FROM clean.agreements WHERE snapshot_key = 's040'").fetchone()
    assert (counted[0], raw[0]) == (listed, listed + 1)
    twin = agreement(history, archive[1]["duplicated"].key())
    assert (twin["status"], twin["gap_count"], twin["snapshots_seen"]) == ("active", 0, SNAPSHOTS)


def test_timeline_counts_agreements_agencies_models_and_levels(history, archive):
    specs, truth = archive
    newest = [spec for spec in specs if SNAPSHOTS - 1 in spec.present]
    row = history.con.execute("SELECT * FROM history.timeline ORDER BY snapshot_at DESC LIMIT 1").df().iloc[0]
    assert row["snapshot_key"] == "s059"
    assert row["agreements"] == truth["rows_in_newest"] == len(newest)
    assert row["agencies"] == len({(spec.state_code, agency_key(spec.agency_name)) for spec in newest})
    assert row["tfm"] == sum(spec.model == "TFM" for spec in newest)
    levels = ["level_county", "level_municipal", "level_state", "level_other"]
    assert sum(row[level] for level in levels) == len(newest)
    assert history.con.execute("SELECT count(*) FROM history.timeline").fetchone()[0] == SNAPSHOTS
    by_state = history.con.execute(
        "SELECT sum(agreements) FROM history.timeline_by_state WHERE snapshot_key = 's059'"
    ).fetchone()[0]
    assert by_state == len(newest)


def test_statuses_and_stats_agree(history, archive):
    stats = history.stats
    assert (stats.snapshots_used, stats.newest_snapshot_key) == (SNAPSHOTS, "s059")
    assert (stats.ended, stats.corrected, stats.links_automatic, stats.gaps) == (13, 2, 2, 1)
    assert stats.active == archive[1]["rows_in_newest"]
    assert stats.agreements == stats.active + stats.ended + stats.corrected


def test_quarantined_and_pending_lists_change_nothing(history, archive):
    without = built(archive[0], quarantined=False)
    for table in ["agreements", "cancellations", "changes", "timeline", "gaps", "links"]:
        expected = without.con.execute(f"SELECT * FROM history.{table}").df()
        pd.testing.assert_frame_equal(history.con.execute(f"SELECT * FROM history.{table}").df(), expected)
    listed = history.con.execute("SELECT snapshot_key FROM history.timeline").df()["snapshot_key"]
    assert "s044_bad" not in set(listed)


def test_ids_survive_an_unrelated_appended_snapshot(history, archive):
    specs = [Spec(**{**vars(spec), "present": set(spec.present)}) for spec in archive[0]]
    global_last = SNAPSHOTS - 1
    for spec in specs:
        if global_last in spec.present:
            spec.present.add(SNAPSHOTS)
    specs.append(Spec("SC", "Lowcountry Marine Patrol", "TFM", date(2026, 1, 19), "state", {SNAPSHOTS}))
    longer = duckdb.connect()
    snapshots, agreements = synthetic_tables(specs)
    extra = snapshot_row("s060", SNAPSHOTS, datetime.combine(snapshot_date(SNAPSHOTS), time(9)))
    extra_rows = [
        agreement_row(extra, row, spec, SNAPSHOTS)
        for row, spec in enumerate([spec for spec in specs if SNAPSHOTS in spec.present], start=2)
    ]
    load_inputs(
        longer,
        pd.concat([snapshots, pd.DataFrame([extra])], ignore_index=True),
        pd.concat([agreements, pd.DataFrame(extra_rows)], ignore_index=True),
    )
    build_history(longer, NO_LINKS)
    query = "SELECT state_code, agency_key, model, signed_date, agreement_id, status FROM history.agreements"
    before = {row[:4]: row[4:] for row in history.con.execute(query).fetchall()}
    after = {row[:4]: row[4:] for row in longer.execute(query).fetchall()}
    assert len(after) == len(before) + 1
    assert {key: after[key] for key in before} == before


def test_manual_no_link_overrides_the_matcher(archive):
    old_key, new_key = archive[1]["typo"]
    refuse = pd.DataFrame(
        [
            [
                "TX",
                "Harris Conty Sheriff's Office",
                "JEM",
                "2025-03-01",
                "Harris County Sheriff's Office",
                "JEM",
                "2025-03-01",
                "no_link",
                "test: pretend these are two agencies",
            ]
        ],
        columns=NO_LINKS.columns,
    )
    build = built(archive[0], refuse)
    assert agreement(build, old_key)["status"] == "ended"
    assert build.stats.links_automatic == 1


def test_manual_link_joins_what_the_matcher_would_not(archive):
    unrelated = pd.DataFrame(
        [
            [
                "FL",
                "Bexington County Sheriff’s Office",
                "WSO",
                "2025-12-01",
                "Quorvale Police Department",
                "WSO",
                "2025-12-01",
                "link",
                "test: pretend the sheriff was renamed",
            ],
            [
                "FL",
                "Nowhere Police Department",
                "WSO",
                "",
                "Quorvale Police Department",
                "WSO",
                "",
                "link",
                "test: matches nothing",
            ],
        ],
        columns=NO_LINKS.columns,
    )
    build = built(archive[0], unrelated)
    query = "SELECT method, reason, from_agency_name FROM history.links WHERE method = 'manual'"
    link = build.con.execute(query).fetchall()
    assert link == [("manual", "test: pretend the sheriff was renamed", "Bexington County Sheriff's Office")]
    assert build.stats.manual_rows_unmatched == (2,)
    assert build.stats.ended == 12


def test_name_similarity_separates_typos_from_other_agencies():
    assert name_similarity("POLK COUNTY SHERIFFS OFFICE", "POPE COUNTY SHERIFFS OFFICE") == 50.0
    fixed = name_similarity("LAMPASS COUNTY SHERIFFS OFFICE", "LAMPASAS COUNTY SHERIFFS OFFICE")
    assert fixed == pytest.approx(93.3, abs=0.1)
    assert name_similarity("PANAMA CITY POLICE DEPT", "PANAMA CITY POLICE DEPARTMENT") == 100.0
    assert name_similarity("DEPARTMENT OF CORRECTIONS", "ALASKA DEPARTMENT OF CORRECTIONS") == 90.0
    assert abbreviates("FT", "FORT") and not abbreviates("LEE", "LEON") and not abbreviates("LEE", "LEES")


def test_manual_links_table_is_valid_and_bad_tables_are_refused():
    table = read_manual_links(PROJECT_ROOT / "data" / "reference" / "agreement_links.csv")
    assert set(table["decision"]) <= {"link", "no_link"}
    with pytest.raises(ManualLinksError, match="decisions"):
        validate_manual_links(
            table.assign(decision="maybe")
            if len(table)
            else pd.DataFrame(
                [["TX", "a", "JEM", "", "b", "JEM", "", "maybe", "r"]], columns=NO_LINKS.columns
            )
        )
    with pytest.raises(ManualLinksError, match="columns"):
        validate_manual_links(NO_LINKS.drop(columns="reason"))


def test_a_fix_ice_undoes_is_linked_to_the_returning_spelling(archive):
    # "Lakevue" is fixed to "Lakeview" on list 20 and ICE goes back to "Lakevue" on list 40: the returning
    # old key is the twin of the vanishing fix, so nothing is cancelled.
    undone = [
        Spec("TN", "Lakevue Police Department", "TFM", date(2025, 8, 1), "municipal", set(range(20)) | set(range(40, SNAPSHOTS))),
        Spec("TN", "Lakeview Police Department", "TFM", date(2025, 8, 1), "municipal", set(range(20, 40))),
    ]  # fmt: skip
    build = built(archive[0] + undone)
    fix, typo = agreement(build, undone[1].key()), agreement(build, undone[0].key())
    assert (fix["status"], fix["successor_id"], fix["corrected_date"]) == (
        "corrected",
        typo["agreement_id"],
        pd.Timestamp(snapshot_date(40)),
    )
    assert (typo["status"], typo["gap_count"]) == ("active", 1)
    assert build.stats.ended == 13


def test_agencies_are_grouped_across_renames_with_models_now_and_before(history, archive):
    specs, truth = archive
    rows = history.con.execute(
        "SELECT agency_name, status, models_now, models_before, former_names, first_signed_date "
        "FROM history.agencies WHERE agency_name IN (?, ?)",
        ["Harris County Sheriff's Office", "Ridgecrest County Sheriff's Office"],
    ).fetchall()
    assert sorted(rows) == [
        ("Harris County Sheriff's Office", "active", ["JEM"], [], ["Harris Conty Sheriff's Office"], date(2025, 3, 1)),
        ("Ridgecrest County Sheriff's Office", "active", ["TFM"], ["JEM"], [], date(2025, 2, 2)),
    ]  # fmt: skip
    agencies = {(spec.state_code, agency_key(spec.agency_name)) for spec in specs}
    # Harris's typo is the one rename: one agency fewer than distinct agency keys.
    assert history.stats.agencies == len(agencies) - 1
    active = history.con.execute("SELECT count(*) FROM history.agencies WHERE status = 'active'").fetchone()[
        0
    ]
    newest = history.con.execute(
        "SELECT agencies FROM history.timeline ORDER BY snapshot_at DESC LIMIT 1"
    ).fetchone()[0]
    assert active == newest


def test_pending_request_never_signed_is_pending_at_the_last_list(history):
    rows = history.con.execute(
        "SELECT agency_name, model, first_pending_date, pending_lists, outcome, agreement_id "
        "FROM history.pending_agencies"
    ).fetchall()
    assert rows == [
        ("Pendingville Police Department", "TFM", snapshot_date(44), 1, "pending_at_last_list", None)
    ]


def test_pending_request_signed_later_gets_its_agreement_and_the_days(archive):
    specs, _ = archive
    signed = Spec(
        "TN",
        "Pendingville Police Department",
        "TFM",
        snapshot_date(50),
        "municipal",
        set(range(52, SNAPSHOTS)),
    )
    build = built([*specs, signed])
    row = build.con.execute(
        "SELECT outcome, signed_date, first_listed_signed_date, days_pending_to_listed, days_pending_to_signed, "
        "agreement_id FROM history.pending_agencies"
    ).fetchone()
    assert row[:5] == ("signed", snapshot_date(50), snapshot_date(52), 8, 6)
    assert row[5] == agreement(build, signed.key())["agreement_id"]


def test_agencies_holding_all_three_models_are_counted(archive):
    specs, _ = archive
    models = [
        Spec(
            "SC", "Tri County Sheriff's Office", model, date(2025, 5, 1), "county", set(range(30, SNAPSHOTS))
        )
        for model in MODELS
    ]
    build = built([*specs, *models])
    newest = [spec for spec in [*specs, *models] if SNAPSHOTS - 1 in spec.present]
    held: dict[tuple, set] = {}
    for spec in newest:
        held.setdefault((spec.state_code, agency_key(spec.agency_name)), set()).add(spec.model)
    expected = sum(len(found) == 3 for found in held.values())
    counts = build.con.execute(
        "SELECT snapshot_key, agencies_all_three_models FROM history.timeline WHERE snapshot_key IN ('s029', 's059') "
        "ORDER BY snapshot_key"
    ).fetchall()
    assert counts == [("s029", expected - 1), ("s059", expected)]
    by_state = build.con.execute(
        "SELECT agencies_all_three_models FROM history.timeline_by_state WHERE snapshot_key = 's059' AND state_code = 'SC'"
    ).fetchone()[0]
    assert by_state == sum(len(found) == 3 for key, found in held.items() if key[0] == "SC")


def candidate_pair(from_key: int, to_moa: str | None, to_signed: date, to_moa_date: date | None) -> dict:
    """A vanish/appear pair in which both the name and the signing date changed."""
    return {
        "from_key": from_key,
        "to_key": from_key + 100,
        "state_code": "FL",
        "from_state_code": "FL",
        "to_state_code": "FL",
        "model": "TFM",
        "from_agency_key": "MELBOURNE BEACH POLICE DEPT",
        "to_agency_key": "MELBOURNE BEACH POLICE DEPARTMENT"
        if from_key == 1
        else "PALM BAY POLICE DEPARTMENT",
        "from_signed_date": date(2025, 5, 13),
        "to_signed_date": to_signed,
        "from_moa_url": "https://www.ice.gov/doclib/287gMOA/MelbourneBeachPoliceDeptFL_TFM_MOA_04142025.pdf",
        "to_moa_url": to_moa,
        "to_moa_date": to_moa_date,
        "vanish_seq": 10,
        "appear_seq": 12,
    }


def test_a_re_dating_that_matches_its_moa_is_linked_on_that_evidence():
    same_moa = "https://www.ice.gov/doclib/287gMOA/MelbourneBeachPoliceDeptFL_TFM_MOA_04142025.pdf"
    pairs = pd.DataFrame(
        [
            # Renamed and re-dated to the date its unchanged MOA carries: one document, one agreement.
            candidate_pair(1, same_moa, date(2025, 4, 14), date(2025, 4, 14)),
            # Another MOA and a new name: nothing shows it is the same agreement.
            candidate_pair(2, "https://www.ice.gov/doclib/287gMOA/PalmBay_TFM_MOA_06012025.pdf", date(2025, 6, 1),
                           date(2025, 6, 1)),
        ]
    )  # fmt: skip
    scored = score_candidates(pairs)
    assert scored["moa_evidence"].tolist() == [True, False]
    links, review = choose_links(scored, fuzzy_threshold=80.0, review_threshold=60.0, ambiguity_margin=5.0)
    assert links[["from_key", "to_key", "change_kind"]].values.tolist() == [[1, 101, "renamed_and_re_dated"]]
    assert links["reason"].tolist() == ["both rows link one MOA, whose file name carries the new date"]
    assert review["from_key"].tolist() == []
