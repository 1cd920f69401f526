"""Quality gates: which lists may drive history, and the reasons for the others."""

import datetime as dt

import pandas as pd

from g287_assets.lib.snapshots.dating import decide_date
from g287_assets.lib.snapshots.quality import alias_note, assess_snapshots
from g287_assets.lib.snapshots.registry import ImportRecord

NO_OVERRIDES = pd.DataFrame(columns=["sha256", "snapshot_date", "status", "reason"])


def snapshot(key: str, day: str, count: int, content: str, newest: str, **extra) -> dict:
    return {
        "snapshot_key": key,
        "sha256": key * 8,
        "snapshot_date": pd.Timestamp(day),
        "snapshot_at": pd.Timestamp(day) + pd.Timedelta(hours=9),
        "import_seq": 0,
        "content_kind": "participating",
        "name_kind": "participating",
        "data_rows": count,
        "agreement_count": count,
        "newest_signed": dt.date.fromisoformat(newest),
        "content_hash": content,
        "date_usable": True,
        "date_flag": None,
        "read_error": None,
        **extra,
    }


def assess(rows: list[dict], overrides: pd.DataFrame = NO_OVERRIDES) -> pd.DataFrame:
    return assess_snapshots(pd.DataFrame(rows), overrides).set_index("snapshot_key")


def test_a_list_republished_after_newer_ones_is_quarantined() -> None:
    result = assess(
        [
            snapshot("a", "2025-03-06", 308, "h1", "2025-03-05"),
            snapshot("b", "2025-04-03", 444, "h2", "2025-04-02"),
            snapshot("c", "2025-04-21", 308, "h1", "2025-03-05"),
        ]
    )
    assert result.loc["c", "status"] == "quarantined"
    assert result.loc["c", "quality_reason"].startswith(
        "republished: same agreements as the list of 2025-03-06 (a)"
    )
    assert result.loc["b", "status"] == "usable"


def test_an_unchanged_reupload_stays_usable_with_a_note() -> None:
    result = assess(
        [
            snapshot("a", "2025-08-14", 900, "h1", "2025-08-13"),
            snapshot("b", "2025-08-15", 900, "h1", "2025-08-13"),
            snapshot("c", "2025-08-18", 900, "h1", "2025-08-13"),
        ]
    )
    assert result.status.tolist() == ["usable"] * 3
    assert result.loc["c", "quality_reason"] == "unchanged: same agreements as b"


def test_a_sudden_drop_with_older_signings_is_stale() -> None:
    result = assess(
        [
            snapshot("a", "2025-10-01", 1000, "h1", "2025-09-30"),
            snapshot("b", "2025-10-02", 700, "h2", "2025-06-01"),
            snapshot("c", "2025-10-03", 1005, "h3", "2025-10-02"),
        ]
    )
    assert result.loc["b", "status"] == "quarantined"
    assert result.loc["b", "quality_reason"].startswith("stale: 700 agreements against 1000 in a")
    # The next list is compared with the last usable one, not the stale one.
    assert result.loc["c", "status"] == "usable"


def test_a_real_drop_with_new_signings_is_not_stale() -> None:
    result = assess(
        [
            snapshot("a", "2025-10-01", 1000, "h1", "2025-09-30"),
            snapshot("b", "2025-10-02", 700, "h2", "2025-10-01"),
        ]
    )
    assert result.loc["b", "status"] == "usable"


def test_empty_swapped_and_misdated_lists() -> None:
    result = assess(
        [
            snapshot("a", "2025-09-22", 0, None, "2025-09-01", content_kind="pending", name_kind="pending"),
            snapshot(
                "b", "2025-09-22", 42, "p", "2025-09-01", content_kind="pending", name_kind="participating"
            ),
            snapshot(
                "c", "2025-09-23", 990, "h", "2025-09-20", date_usable=False, date_flag="no date in name"
            ),
            snapshot("d", "2026-01-05", 1200, "h2", "2025-12-19", date_flag="year read as 2026"),
        ]
    )
    assert result.loc["a", "status"] == "quarantined"
    assert result.loc["a", "quality_reason"] == "empty: the list has a header and no rows"
    assert result.loc["b", "status"] == "usable"
    assert result.loc["b", "list_kind"] == "pending"
    assert (
        "swapped: named as the participating list but holds the pending list"
        in result.loc["b", "quality_reason"]
    )
    assert result.loc["c", "status"] == "quarantined"
    assert result.loc["c", "quality_reason"] == "misdated: no date in name"
    assert result.loc["d", "status"] == "usable"
    assert result.loc["d", "quality_reason"] == "misdated, repaired: year read as 2026"


def test_an_override_row_wins_and_says_why() -> None:
    overrides = pd.DataFrame(
        [{"sha256": "a" * 8, "snapshot_date": "", "status": "quarantined", "reason": "checked by hand"}]
    )
    result = assess([snapshot("a", "2025-10-01", 1000, "h1", "2025-09-30")], overrides)
    assert result.loc["a", "status"] == "quarantined"
    assert result.loc["a", "quality_reason"] == "override: checked by hand"


def record(name: str, outcome: str = "snapshot") -> ImportRecord:
    return ImportRecord("f" * 64, name, f"/x/{name}", "2026-01-01T00:00:00+00:00", outcome, "k", None)


def test_the_earliest_name_dates_a_content_seen_under_several() -> None:
    decision, label, chosen = decide_date(
        [
            record("participatingAgencies04212025am.xlsx"),
            record("participatingAgencies03062025am.xlsx", "alias"),
        ],
        dt.date(2025, 3, 5),
        dt.date(2026, 11, 30),
    )
    assert decision.snapshot_date == dt.date(2025, 3, 6)
    assert chosen.file_name == "participatingAgencies03062025am.xlsx"
    assert label == "am"


def test_a_january_file_named_with_last_year_is_repaired_from_its_rows() -> None:
    decision, _, _ = decide_date(
        [record("participatingAgencies01052025pm.xlsx")], dt.date(2025, 12, 19), dt.date(2026, 11, 30)
    )
    assert decision.snapshot_date == dt.date(2026, 1, 5)
    assert decision.usable and decision.flag


def test_alias_notes_name_stale_republication_and_swaps() -> None:
    assert alias_note(
        "participatingAgencies04212025am.xlsx", "participating", dt.date(2025, 3, 6), "participating"
    ) == ("stale re-publication: same bytes as the list of 2025-03-06 under a name dated 2025-04-21")
    assert alias_note("pendingAgencies09222025pm.xlsx", "pending", dt.date(2025, 9, 22), "participating") == (
        "swapped: named as the pending list but holds the participating list"
    )
    assert (
        alias_note(
            "participatingAgencies03062025am.xlsx", "participating", dt.date(2025, 3, 6), "participating"
        )
        is None
    )
