"""A snapshot's date, decided in this one place, from its file names, its rows and the reviewed overrides.

`filenames.parse_file_name` reads what a name states; here that reading is confronted with evidence (the newest
signing date in the rows, the time the downloader first saw the file, today) and accepted, repaired with a
flag, or refused; a list seen under several names takes the earliest defensible date; a row of
snapshot_overrides.csv wins over every name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from g287_assets.lib.cleaning.dates import parse_signed, plausible_signing
from g287_assets.lib.snapshots.filenames import ISO_DATE, NameInfo, parse_file_name, snapshot_moment
from g287_assets.lib.snapshots.registry import ImportRecord

MAX_LIST_LAG = timedelta(days=183)
"""How long after its newest agreement a repaired list date may fall.

In the 2025-2026 participating lists the newest signing date is 0 to 22 days before the list's date; half a
year leaves a wide margin yet rejects year repairs that would make a list a whole year staler than its rows.
"""


BASIS_FILE_NAME = "file name"
BASIS_WAYBACK = "wayback capture time"
BASIS_SIDECAR = "sidecar"
BASIS_REPAIRED = "repaired from content"
BASIS_UNRESOLVED = "unresolved"
BASIS_OVERRIDE = "override"


@dataclass(frozen=True)
class DateDecision:
    """The snapshot date a file is given, how it was found, and whether it can be trusted."""

    snapshot_date: date | None
    basis: str
    flag: str | None
    usable: bool


def decide_snapshot_date(
    info: NameInfo, newest_signed: date | None, today: date, sidecar_time: datetime | None = None
) -> DateDecision:
    """Give a file its snapshot date, using evidence only, and flag every doubt or repair.

    A list cannot contain an agreement signed after its date, nor be dated after the day it was first seen
    (`sidecar_time`) or after `today`. In order:

    * a Wayback capture time is the date;
    * a name's date that the rows do not contradict is the date (flagged if the name had a `problem`);
    * a name's date earlier than `newest_signed` is read one year later when that falls between the newest
      signing and the latest possible day, within `MAX_LIST_LAG` of the signing (ICE's January-2026 files
      named 2025); else the sidecar time; else the file is unusable;
    * a missing, impossible or future date takes the sidecar time, else the one year (of `newest_signed`'s
      year and the next) that places the name's month and day in that same window, else is unusable.

    `newest_signed` should be the latest signing date of the rows; a value after `today` is a typo in the
    rows (5025-07-07 occurs in ten July-2025 files) and is ignored as evidence.
    """
    signed = newest_signed if newest_signed is not None and newest_signed <= today else None
    if info.captured_at is not None:
        return _decide_from_capture(info, signed, today)
    named = info.named_date
    if named is not None and named <= today:
        if signed is None or named >= signed:
            return DateDecision(named, BASIS_FILE_NAME, info.problem, True)
        return _decide_contradicted_name(info, named, signed, today, sidecar_time)
    why = info.problem if named is None else _join(info.problem, f"named date {named} is after today {today}")
    return _decide_without_name(info.raw_date, why or "no date in name", signed, today, sidecar_time)


def _decide_from_capture(info: NameInfo, signed: date | None, today: date) -> DateDecision:
    """A Wayback capture time is the date; rows signed after it point at a row typo, so they only flag it."""
    captured = info.captured_at.date()
    if captured > today:
        return DateDecision(None, BASIS_UNRESOLVED, f"capture date {captured} is after today {today}", False)
    doubt = (
        f"rows signed up to {signed}, after the capture date {captured}"
        if signed and signed > captured
        else None
    )
    return DateDecision(captured, BASIS_WAYBACK, doubt, True)


def _decide_contradicted_name(
    info: NameInfo, named: date, signed: date, today: date, sidecar_time: datetime | None
) -> DateDecision:
    """A named date earlier than a row's signing date: read the next year, or fall back to the sidecar."""
    contradiction = _join(info.problem, f"named {named} but rows signed up to {signed}")
    latest = _latest_possible_date(today, sidecar_time)
    repaired = _only_year_in_window(named.month, named.day, (named.year + 1,), signed, latest)
    if repaired is not None:
        return DateDecision(repaired, BASIS_REPAIRED, f"{contradiction}; year read as {repaired.year}", True)
    return _decide_by_sidecar(contradiction, signed, today, sidecar_time)


def _decide_without_name(
    raw_date: str | None, why: str, signed: date | None, today: date, sidecar_time: datetime | None
) -> DateDecision:
    """No usable named date: the sidecar time, else a year chosen by the rows for the name's month and day."""
    month_day = _month_and_day(raw_date)
    if sidecar_time is None and month_day is not None and signed is not None:
        years = (signed.year, signed.year + 1)
        repaired = _only_year_in_window(*month_day, years, signed, today)
        if repaired is not None:
            flag = f"{why}; read as {repaired}, the one such date from rows signed up to {signed} to {today}"
            return DateDecision(repaired, BASIS_REPAIRED, flag, True)
    return _decide_by_sidecar(why, signed, today, sidecar_time)


def _decide_by_sidecar(
    why: str, signed: date | None, today: date, sidecar_time: datetime | None
) -> DateDecision:
    """The sidecar's day when it is consistent with the rows and today; otherwise no defensible date."""
    if sidecar_time is None:
        return DateDecision(None, BASIS_UNRESOLVED, f"{why}; no defensible date", False)
    seen = sidecar_time.date()
    if seen > today or (signed is not None and seen < signed):
        flag = (
            f"{why}; sidecar time {sidecar_time.isoformat()} is before rows signed {signed} or after {today}"
        )
        return DateDecision(None, BASIS_UNRESOLVED, flag, False)
    return DateDecision(seen, BASIS_SIDECAR, f"{why}; dated by sidecar time {sidecar_time.isoformat()}", True)


def _only_year_in_window(
    month: int, day: int, years: tuple[int, ...], signed: date, latest: date
) -> date | None:
    """The month and day in the one candidate year that is on or after `signed`, not after `latest`, and
    within `MAX_LIST_LAG` of `signed`; None when no year or several years fit."""
    fitting = []
    for year in years:
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if signed <= candidate <= latest and candidate - signed <= MAX_LIST_LAG:
            fitting.append(candidate)
    return fitting[0] if len(fitting) == 1 else None


def _month_and_day(raw_date: str | None) -> tuple[int, int] | None:
    """Month and day as written in a name's digits, when they are a real month and a non-zero day."""
    if raw_date is None:
        return None
    if ISO_DATE.fullmatch(raw_date):
        month, day = int(raw_date[5:7]), int(raw_date[8:10])
    elif len(raw_date) in (6, 8) and raw_date.isdigit():
        month, day = int(raw_date[:2]), int(raw_date[2:4])
    else:
        return None
    return (month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None


def _latest_possible_date(today: date, sidecar_time: datetime | None) -> date:
    """A list cannot be dated after today, nor after the day it was first seen."""
    return min(today, sidecar_time.date()) if sidecar_time is not None else today


def _join(*reasons: str | None) -> str:
    """Reasons joined into one flag, skipping the absent ones."""
    return "; ".join(reason for reason in reasons if reason)


def _sidecar_time(record: ImportRecord) -> dt.datetime | None:
    value = (record.sidecar or {}).get("fetched_at")
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def decide_date(
    names: list[ImportRecord],
    newest_signed: dt.date | None,
    today: dt.date,
    override: tuple[dt.date, str] | None = None,
) -> tuple[DateDecision, str, ImportRecord]:
    """The date of a content imported under one or more names: the earliest defensible one.

    The same bytes under a later name are a re-publication; the first name dates the list. A row of
    snapshot_overrides.csv (date, reason) wins over every name.
    """
    if override is not None:
        day, reason = override
        label = parse_file_name(names[0].file_name).label
        return DateDecision(day, BASIS_OVERRIDE, f"date set by hand: {reason}", True), label, names[0]
    decisions = []
    for record in names:
        info = parse_file_name(record.file_name)
        decision = decide_snapshot_date(info, newest_signed, today, _sidecar_time(record))
        decisions.append((decision, info.label, record))
    usable = [item for item in decisions if item[0].usable and item[0].snapshot_date]
    if usable:
        return min(usable, key=lambda item: snapshot_moment(item[0].snapshot_date, item[1]))
    return decisions[0]


def dated_overrides(overrides: pd.DataFrame) -> dict[str, tuple[dt.date, str]]:
    """sha256 -> (date, reason) for the override rows that set a snapshot's date."""
    return {
        row.sha256: (dt.date.fromisoformat(row.snapshot_date), row.reason)
        for row in overrides.itertuples()
        if row.snapshot_date.strip()
    }


def newest_signing(frame: pd.DataFrame) -> dt.date | None:
    """The latest plausible signing date of a list's raw rows: the evidence a list's date is weighed against."""
    dates = (
        [d for d in frame["signed"].map(parse_signed).map(plausible_signing) if d is not None]
        if len(frame)
        else []
    )
    return max(dates) if dates else None
