"""Reading snapshot dates from ICE file names, checked on the real names recorded in the mirror's index."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from g287_assets.lib.snapshots.dating import (
    BASIS_FILE_NAME,
    BASIS_REPAIRED,
    BASIS_SIDECAR,
    BASIS_UNRESOLVED,
    BASIS_WAYBACK,
    DateDecision,
    decide_snapshot_date,
)
from g287_assets.lib.snapshots.filenames import NameInfo, label_rank, parse_file_name, snapshot_moment

TODAY = date(2026, 11, 30)


def _index_rows(mirror: Path) -> list[dict[str, str]]:
    with (mirror / "ice" / "snapshots_index.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _newest_signed(workbook: Path) -> date | None:
    """The latest real date in the SIGNED column of a list's first sheet (None for lists without one)."""
    rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_index(0).to_python()
    header = [str(cell).strip().upper() for cell in rows[0]]
    if "SIGNED" not in header:
        return None
    column = header.index("SIGNED")
    signed = [row[column] for row in rows[1:] if column < len(row)]
    days = [value.date() if isinstance(value, datetime) else value for value in signed]
    return max((day for day in days if isinstance(day, date)), default=None)


# --- parse_file_name on each pattern ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "named", "label"),
    [
        ("participatingAgencies03092026am.xlsx", "participating", date(2026, 3, 9), "am"),
        ("participatingAgencies10232025mid.xlsx", "participating", date(2025, 10, 23), "mid"),
        ("participatingAgencies12042025pm2.xlsx", "participating", date(2025, 12, 4), "pm2"),
        ("pendingAgencies10292025pmB.xlsx", "pending", date(2025, 10, 29), "pmB"),
        ("participatingAgencies05122025amB.xlsx", "participating", date(2025, 5, 12), "amB"),
        ("participatingAgencies07242025pm_b.xlsx", "participating", date(2025, 7, 24), "pm_b"),
        ("pendingAgencies07112025am_b.xlsx", "pending", date(2025, 7, 11), "am_b"),
        ("participatingAgencies04232026.xlsx", "participating", date(2026, 4, 23), ""),
        ("participatingAgencies03032025PM.xlsx", "participating", date(2025, 3, 3), "pm"),
        ("pendingAgencies06112025pm copy.xlsx", "pending", date(2025, 6, 11), "pm"),
        ("287gParticipatingAgencies091526pm.xlsx", "participating", date(2026, 9, 15), "pm"),
        ("ParticipatingAgency091826am.xlsx", "participating", date(2026, 9, 18), "am"),
        ("ParticipatingAgencies09212026pm.xlsx", "participating", date(2026, 9, 21), "pm"),
        ("participatingAgencies_2025-03-06_am.xlsx", "participating", date(2025, 3, 6), "am"),
        ("participatingAgencies_2025-09-22_pm_SWAPPED.xlsx", "participating", date(2025, 9, 22), "pm"),
        ("pendingAgencies_2025-07-11_pm_v2.xlsx", "pending", date(2025, 7, 11), "pm"),
        ("participatingAgencies_2026-04-23_nolabel.xlsx", "participating", date(2026, 4, 23), ""),
        ("participatingAgencies_2025-05-12_amB.xlsx", "participating", date(2025, 5, 12), "amB"),
        ("participatingAgencies_2025-07-24_pm_b.xlsx", "participating", date(2025, 7, 24), "pm_b"),
        ("report_2025-03-06_am.xlsx", "unknown", date(2025, 3, 6), "am"),
    ],
)
def test_ice_and_mirror_names_give_date_and_label(name: str, kind: str, named: date, label: str) -> None:
    info = parse_file_name(name, today=TODAY)
    assert (info.kind_hint, info.named_date, info.label) == (kind, named, label)
    assert info.problem is None
    assert info.captured_at is None


@pytest.mark.parametrize(
    ("name", "captured_at", "label", "raw"),
    [
        (
            "participatingAgencies-20250221214937.xlsx",
            datetime(2025, 2, 21, 21, 49, 37, tzinfo=UTC),
            "wb214937",
            "20250221214937",
        ),
        (
            "ParticipatingEntities-20210113002027.xlsx",
            datetime(2021, 1, 13, 0, 20, 27, tzinfo=UTC),
            "wb002027",
            "20210113002027",
        ),
        (
            "participatingAgencies_2025-02-21_wb214937.xlsx",
            datetime(2025, 2, 21, 21, 49, 37, tzinfo=UTC),
            "wb214937",
            "2025-02-21",
        ),
        (
            "html_era/ParticipatingEntities_html_2021-01-13_wb002027.xlsx",
            datetime(2021, 1, 13, 0, 20, 27, tzinfo=UTC),
            "wb002027",
            "2021-01-13",
        ),
    ],
)
def test_wayback_names_carry_the_capture_time(name: str, captured_at: datetime, label: str, raw: str) -> None:
    info = parse_file_name(name, today=TODAY)
    assert info == NameInfo("participating", captured_at.date(), label, captured_at, None, raw)


@pytest.mark.parametrize(
    ("name", "named", "problem"),
    [
        ("pendingAgencies.xlsx", None, "no date in name"),
        ("participatingAgencies13012025am.xlsx", None, "month 13 in '13012025'"),
        ("participatingAgencies09002025am.xlsx", None, "day 00 in '09002025'"),
        (
            "participatingAgencies02302025pm.xlsx",
            None,
            "day 30 does not exist in month 02 of 2025 ('02302025')",
        ),
        ("pendingAgencies10223025am.xlsx", None, "year 3025 is in the future ('10223025')"),
        ("participatingAgencies11114025am.xlsx", None, "year 4025 is in the future ('11114025')"),
        ("participatingAgencies06151999am.xlsx", None, "year 1999 is before 2000 ('06151999')"),
        ("participatingAgencies01052028am.xlsx", None, "year 2028 is in the future ('01052028')"),
        (
            "participatingAgencies090022025am.xlsx",
            date(2025, 9, 2),
            "extra digit in '090022025', read as 09022025",
        ),
        (
            "participatingAgencies041720263pm.xlsx",
            date(2026, 4, 17),
            "stray digit '3' after the date in '041720263'",
        ),
        ("participatingAgencies013122025am.xlsx", None, "cannot read one date from the 9 digits '013122025'"),
        ("participatingAgencies3092026am.xlsx", None, "cannot read a date from the 7 digits '3092026'"),
    ],
)
def test_impossible_or_garbled_dates_say_why(name: str, named: date | None, problem: str) -> None:
    info = parse_file_name(name, today=TODAY)
    assert (info.named_date, info.problem) == (named, problem)


def test_garbled_digits_keep_the_label_and_raw_digits() -> None:
    info = parse_file_name("participatingAgencies041720263pm.xlsx", today=TODAY)
    assert (info.label, info.raw_date) == ("pm", "041720263")
    assert parse_file_name("pendingAgencies10223025am.xlsx", today=TODAY).raw_date == "10223025"


def test_the_year_window_follows_today() -> None:
    assert parse_file_name("participatingAgencies01052027am.xlsx", today=TODAY).named_date == date(2027, 1, 5)
    late = parse_file_name("participatingAgencies01052027am.xlsx", today=date(2025, 6, 1))
    assert (late.named_date, late.problem) == (None, "year 2027 is in the future ('01052027')")


# --- parse_file_name on the real names of the mirror -------------------------------------------------------


def test_every_ice_and_wayback_name_parses_to_its_index_date(source_mirror: Path) -> None:
    rows = [
        row
        for row in _index_rows(source_mirror)
        if row["alias_date_basis"] == "ICE filename date"
        or row["alias_date_basis"].startswith("wayback capture timestamp ")
    ]
    names = {row["ice_or_source_filename"]: row for row in rows}
    assert len(names) > 600
    for name, row in names.items():
        info = parse_file_name(name, today=TODAY)
        assert info.named_date == date.fromisoformat(row["alias_date"]), name
        assert info.problem is None, name
        if row["alias_date_basis"].startswith("wayback"):
            timestamp = row["alias_date_basis"].rsplit(" ", 1)[1]
            assert info.captured_at == datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            assert info.label == f"wb{timestamp[8:]}"
        else:
            assert info.captured_at is None
            assert label_rank(info.label) >= 0


def test_every_mirror_file_parses_to_the_date_and_label_of_the_index(source_mirror: Path) -> None:
    index = {row["saved_file"]: row for row in _index_rows(source_mirror)}
    ice = source_mirror / "ice"
    files = sorted(p for p in ice.rglob("*.xlsx") if "derived" not in p.relative_to(ice).parts)
    assert len(files) == len(index) == 501
    kinds = {"participating": "participating", "pending": "pending", "entities_html": "participating"}
    for path in files:
        row = index[path.relative_to(ice).as_posix()]
        info = parse_file_name(path.name, today=TODAY)
        assert info.named_date == date.fromisoformat(row["snapshot_date"]), path.name
        assert (info.kind_hint, info.label, info.problem) == (kinds[row["list_kind"]], row["label"], None)
        assert (info.captured_at is not None) == row["label"].startswith("wb"), path.name


# Every ICE name whose date the index had to correct, with what the evidence (newest signing date of the
# saved file, first commit time as the sidecar) supports. 08022025pm is dated 2025-09-02 pm in the index
# only because its bytes equal 09032025am; the name and the commit time alone give the commit's day.
TYPO_DECISIONS = {
    "participatingAgencies090022025am.xlsx": (date(2025, 9, 2), BASIS_FILE_NAME),
    "participatingAgencies08022025pm.xlsx": (date(2025, 9, 3), BASIS_SIDECAR),
    "participatingAgencies11114025am.xlsx": (date(2025, 11, 14), BASIS_SIDECAR),
    "pendingAgencies11114025am.xlsx": (date(2025, 11, 14), BASIS_SIDECAR),
    "pendingAgencies10223025am.xlsx": (date(2025, 10, 23), BASIS_SIDECAR),
    "participatingAgencies01052025pm.xlsx": (date(2026, 1, 5), BASIS_REPAIRED),
    "participatingAgencies01062025pm.xlsx": (date(2026, 1, 6), BASIS_REPAIRED),
    "participatingAgencies01092025pm.xlsx": (date(2026, 1, 9), BASIS_REPAIRED),
}
# Pending lists have no SIGNED column: their January-2026 files named 2025 carry no evidence of the typo.
UNDETECTABLE_TYPOS = {
    "pendingAgencies01052025pm.xlsx",
    "pendingAgencies01062025pm.xlsx",
    "pendingAgencies01092025pm.xlsx",
}


def test_the_index_typo_names_are_flagged_and_dated_from_evidence(source_mirror: Path) -> None:
    typos = {
        row["ice_or_source_filename"]: row
        for row in _index_rows(source_mirror)
        if row["alias_date_basis"].startswith("ICE filename says")
    }
    assert set(typos) == set(TYPO_DECISIONS) | UNDETECTABLE_TYPOS
    for name, (expected_date, expected_basis) in TYPO_DECISIONS.items():
        row = typos[name]
        info = parse_file_name(name, today=TODAY)
        newest = _newest_signed(source_mirror / "ice" / row["saved_file"])
        sidecar = datetime.fromisoformat(row["commit_time_utc"])
        decision = decide_snapshot_date(info, newest, TODAY, sidecar)
        assert (decision.snapshot_date, decision.basis, decision.usable) == (
            expected_date,
            expected_basis,
            True,
        )
        assert decision.flag, name
        if name != "participatingAgencies08022025pm.xlsx":
            assert expected_date == date.fromisoformat(row["alias_date"]), name


def test_the_january_year_typo_is_repaired_from_the_real_rows(source_mirror: Path) -> None:
    newest = _newest_signed(source_mirror / "ice" / "participatingAgencies_2026-01-05_pm.xlsx")
    assert newest == date(2025, 12, 18)
    decision = decide_snapshot_date(parse_file_name("participatingAgencies01052025pm.xlsx"), newest, TODAY)
    assert decision == DateDecision(
        date(2026, 1, 5),
        BASIS_REPAIRED,
        "named 2025-01-05 but rows signed up to 2025-12-18; year read as 2026",
        True,
    )


def test_a_signing_date_in_year_5025_is_no_evidence(source_mirror: Path) -> None:
    newest = _newest_signed(source_mirror / "ice" / "participatingAgencies_2025-07-08_pm.xlsx")
    assert newest == date(5025, 7, 7)
    info = parse_file_name("participatingAgencies07082025pm.xlsx", today=TODAY)
    assert decide_snapshot_date(info, newest, TODAY) == DateDecision(
        date(2025, 7, 8), BASIS_FILE_NAME, None, True
    )


# --- parse_file_name never raises -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["", ".xlsx", "/", "\\", "participatingAgencies", "pendingAgencies٠٩٠٢٢٠٢٥am.xlsx", "\x00\n\t"]
)
def test_odd_names_give_no_date_and_a_reason(name: str) -> None:
    info = parse_file_name(name, today=TODAY)
    assert (info.named_date, info.label, info.captured_at, info.problem) == (
        None,
        "",
        None,
        "no date in name",
    )


def test_a_name_of_unknown_kind_still_gives_its_date() -> None:
    info = parse_file_name("参加機関03092026am.xlsx", today=TODAY)
    assert (info.kind_hint, info.named_date, info.label) == ("unknown", date(2026, 3, 9), "am")


def test_a_very_long_name_is_read_quickly_and_its_problem_stays_short() -> None:
    info = parse_file_name("participatingAgencies" + "7" * 50_000 + "am.xlsx", today=TODAY)
    assert info.named_date is None
    assert info.problem == "cannot read a date from the 50000 digits '7777777777777777...'"
    assert parse_file_name("x" * 100_000, today=TODAY).problem == "no date in name"


def _check_invariants(info: NameInfo) -> None:
    assert info.kind_hint in {"participating", "pending", "unknown"}
    assert info.named_date is not None or info.problem is not None
    if info.named_date is not None:
        assert 2000 <= info.named_date.year <= TODAY.year + 1
    if info.captured_at is not None:
        assert info.captured_at.date() == info.named_date
        assert info.label == f"wb{info.captured_at:%H%M%S}"
    label_rank(info.label)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_to_a_consistent_reading(name: str) -> None:
    _check_invariants(parse_file_name(name, today=TODAY))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        ["participatingAgencies", "pendingAgencies", "ParticipatingEntities-", "287gParticipating"]
    ),
    st.text(alphabet="0123456789-_ amidpPMbBwvcopySWAPED.", max_size=40),
)
def test_ice_like_names_parse_to_a_consistent_reading(prefix: str, tail: str) -> None:
    _check_invariants(parse_file_name(prefix + tail + ".xlsx", today=TODAY))


# --- decide_snapshot_date ---------------------------------------------------------------------------------


def test_a_clean_name_keeps_its_date() -> None:
    info = parse_file_name("participatingAgencies03092026am.xlsx", today=TODAY)
    expected = DateDecision(date(2026, 3, 9), BASIS_FILE_NAME, None, True)
    assert decide_snapshot_date(info, date(2026, 3, 6), TODAY) == expected
    assert decide_snapshot_date(info, date(2026, 3, 9), TODAY) == expected
    assert decide_snapshot_date(info, None, TODAY) == expected


def test_the_year_typo_of_january_is_read_as_the_next_year() -> None:
    info = parse_file_name("participatingAgencies01052025pm.xlsx", today=TODAY)
    decision = decide_snapshot_date(info, date(2025, 12, 19), date(2026, 5, 20))
    assert decision == DateDecision(
        date(2026, 1, 5),
        BASIS_REPAIRED,
        "named 2025-01-05 but rows signed up to 2025-12-19; year read as 2026",
        True,
    )


def test_the_next_year_is_refused_when_it_is_after_today_or_after_the_sidecar() -> None:
    info = parse_file_name("participatingAgencies01052025pm.xlsx", today=TODAY)
    too_early = decide_snapshot_date(info, date(2025, 12, 19), date(2026, 1, 4))
    assert (too_early.snapshot_date, too_early.basis, too_early.usable) == (None, BASIS_UNRESOLVED, False)
    assert too_early.flag == "named 2025-01-05 but rows signed up to 2025-12-19; no defensible date"
    seen_before = decide_snapshot_date(info, date(2025, 12, 19), TODAY, datetime(2026, 1, 3, 12, tzinfo=UTC))
    assert (seen_before.snapshot_date, seen_before.basis) == (date(2026, 1, 3), BASIS_SIDECAR)


def test_a_month_typo_is_not_mistaken_for_a_year_typo() -> None:
    """08022025pm holds rows signed up to 2025-08-28: reading 2026-08-02 would make the list 11 months staler
    than its newest agreement, so without a sidecar there is no defensible date."""
    info = parse_file_name("participatingAgencies08022025pm.xlsx", today=TODAY)
    decision = decide_snapshot_date(info, date(2025, 8, 28), TODAY)
    assert decision == DateDecision(
        None, BASIS_UNRESOLVED, "named 2025-08-02 but rows signed up to 2025-08-28; no defensible date", False
    )


def test_garbled_digits_with_no_single_reading_are_unusable() -> None:
    info = parse_file_name("participatingAgencies013122025am.xlsx", today=TODAY)
    decision = decide_snapshot_date(info, date(2025, 1, 10), TODAY)
    assert (decision.snapshot_date, decision.usable) == (None, False)
    assert decision.flag == "cannot read one date from the 9 digits '013122025'; no defensible date"


def test_year_3025_takes_the_one_year_the_rows_allow() -> None:
    info = parse_file_name("pendingAgencies10223025am.xlsx", today=TODAY)
    decision = decide_snapshot_date(info, date(2025, 10, 17), date(2026, 5, 20))
    assert decision == DateDecision(
        date(2025, 10, 22),
        BASIS_REPAIRED,
        "year 3025 is in the future ('10223025'); read as 2025-10-22, "
        "the one such date from rows signed up to 2025-10-17 to 2026-05-20",
        True,
    )


def test_year_3025_crosses_into_the_next_year_when_the_rows_demand_it() -> None:
    info = parse_file_name("participatingAgencies01023025am.xlsx", today=TODAY)
    decision = decide_snapshot_date(info, date(2025, 12, 30), TODAY)
    assert (decision.snapshot_date, decision.basis, decision.usable) == (
        date(2026, 1, 2),
        BASIS_REPAIRED,
        True,
    )


def test_a_year_that_fits_only_a_year_after_the_rows_is_refused() -> None:
    info = parse_file_name("participatingAgencies11114025am.xlsx", today=TODAY)
    decision = decide_snapshot_date(info, date(2025, 11, 14), TODAY)
    assert (decision.snapshot_date, decision.basis, decision.usable) == (None, BASIS_UNRESOLVED, False)


def test_an_impossible_date_takes_the_sidecar_day_first() -> None:
    info = parse_file_name("pendingAgencies10223025am.xlsx", today=TODAY)
    sidecar = datetime(2025, 10, 23, 14, tzinfo=UTC)
    decision = decide_snapshot_date(info, date(2025, 10, 17), TODAY, sidecar)
    assert decision == DateDecision(
        date(2025, 10, 23),
        BASIS_SIDECAR,
        "year 3025 is in the future ('10223025'); dated by sidecar time 2025-10-23T14:00:00+00:00",
        True,
    )


def test_a_sidecar_before_the_newest_signing_is_refused() -> None:
    info = parse_file_name("pendingAgencies.xlsx", today=TODAY)
    decision = decide_snapshot_date(info, date(2025, 3, 1), TODAY, datetime(2025, 2, 21, 21, tzinfo=UTC))
    assert (decision.snapshot_date, decision.basis, decision.usable) == (None, BASIS_UNRESOLVED, False)
    undated = decide_snapshot_date(info, None, TODAY)
    assert undated == DateDecision(None, BASIS_UNRESOLVED, "no date in name; no defensible date", False)


def test_a_date_after_today_is_never_accepted() -> None:
    info = parse_file_name("participatingAgencies12012026am.xlsx", today=TODAY)
    assert info.named_date == date(2026, 12, 1)
    decision = decide_snapshot_date(info, date(2026, 11, 20), TODAY)
    assert decision == DateDecision(
        None, BASIS_UNRESOLVED, "named date 2026-12-01 is after today 2026-11-30; no defensible date", False
    )
    capture = parse_file_name("participatingAgencies-20261201120000.xlsx", today=TODAY)
    assert decide_snapshot_date(capture, None, TODAY).usable is False


def test_a_wayback_capture_dates_the_list_and_later_signings_only_flag_it() -> None:
    info = parse_file_name("participatingAgencies-20250221214937.xlsx", today=TODAY)
    assert decide_snapshot_date(info, date(2025, 2, 20), TODAY) == DateDecision(
        date(2025, 2, 21), BASIS_WAYBACK, None, True
    )
    doubtful = decide_snapshot_date(info, date(2025, 2, 25), TODAY)
    assert doubtful == DateDecision(
        date(2025, 2, 21),
        BASIS_WAYBACK,
        "rows signed up to 2025-02-25, after the capture date 2025-02-21",
        True,
    )


def test_a_doubtful_but_readable_name_is_kept_with_its_problem_as_flag() -> None:
    info = parse_file_name("participatingAgencies090022025am.xlsx", today=TODAY)
    decision = decide_snapshot_date(info, date(2025, 8, 28), TODAY)
    assert decision == DateDecision(
        date(2025, 9, 2), BASIS_FILE_NAME, "extra digit in '090022025', read as 09022025", True
    )


# --- label_rank and snapshot_moment -----------------------------------------------------------------------


def test_labels_order_one_day_of_uploads() -> None:
    labels = ["", "pm2", "wb214937", "mid", "pmB", "am", "pm", "amB", "wb002027"]
    assert sorted(labels, key=label_rank) == [
        "wb002027",
        "am",
        "amB",
        "mid",
        "pm",
        "pmB",
        "pm2",
        "",
        "wb214937",
    ]
    assert label_rank("pm_b") == label_rank("pmB")
    assert label_rank("am_b") == label_rank("amB")
    assert label_rank("pm2") < label_rank("pm3")


def test_snapshot_moment_places_labels_on_the_clock() -> None:
    assert snapshot_moment(date(2026, 3, 9), "am") == datetime(2026, 3, 9, 9)
    assert snapshot_moment(date(2026, 3, 9), "mid") == datetime(2026, 3, 9, 12)
    assert snapshot_moment(date(2026, 3, 9), "pm") == datetime(2026, 3, 9, 16)
    assert snapshot_moment(date(2025, 12, 4), "pm2") == datetime(2025, 12, 4, 16, 20)
    assert snapshot_moment(date(2026, 4, 23), "") == datetime(2026, 4, 23, 20)
    assert snapshot_moment(date(2025, 2, 21), "wb214937") == datetime(2025, 2, 21, 21, 49, 37)
    assert snapshot_moment(date(2025, 3, 5), "") < snapshot_moment(date(2025, 3, 6), "am")


def test_an_unknown_label_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time-of-day label 'noon'"):
        label_rank("noon")
    with pytest.raises(ValueError):
        label_rank("wb996099")
