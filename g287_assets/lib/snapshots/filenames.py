"""Snapshot dates and time-of-day labels read from the names of ICE's 287(g) spreadsheets.

ICE keeps no archive: each upload overwrites the last, and the only record of when a list was published is
the name ICE gave the file (`participatingAgencies03092026am.xlsx`), or, for copies rescued from the Wayback
Machine, the capture timestamp (`participatingAgencies-20250221214937.xlsx`). The names carry typos (year
3025, day 00, a January 2026 file named 2025), so reading a name is split in two steps:

* `parse_file_name` (here) reads what the name states, and says in `problem` why a date is missing or doubtful;
* `dating.decide_snapshot_date` confronts that reading with evidence (the newest signing date in the file's
  rows, an optional sidecar time, today) and either accepts it, repairs it with a flag, or refuses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

FIRST_PLAUSIBLE_YEAR = 2000
"""No 287(g) list from before 2000 exists; an earlier year in a name is a typo."""


_KIND_WORD = re.compile(r"participating|pending", re.IGNORECASE | re.ASCII)
_LETTERS = re.compile(r"^[A-Za-z]*")
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")
ISO_DATE = re.compile(r"(?<![0-9])([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9])")
_DIGIT_RUN = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"^[\s_.\-]*")
_WRITTEN_LABEL = re.compile(
    r"(?:wb(?P<hms>[0-9]{6})(?![0-9]))|(?:(?P<base>am|mid|pm)(?P<suffix>[2-9]|_?b)?(?![A-Za-z]))",
    re.IGNORECASE | re.ASCII,
)
_NORMALIZED_LABEL = re.compile(r"(?P<base>am|mid|pm)(?P<suffix>[2-9]|B|_b)?")
_WAYBACK_LABEL = re.compile(r"wb([0-9]{6})")

_BASE_LABEL_TIMES = {"am": time(9), "mid": time(12), "pm": time(16)}
_SECOND_UPLOAD_DELAY = timedelta(minutes=10)
_NUMBERED_UPLOAD_STEP = timedelta(minutes=20)
_NO_LABEL_TIME = time(20)


@dataclass(frozen=True)
class NameInfo:
    """What a file name states about its list, before any evidence from the file's content is weighed."""

    kind_hint: str
    named_date: date | None
    label: str
    captured_at: datetime | None
    problem: str | None
    raw_date: str | None


def parse_file_name(name: str, today: date | None = None) -> NameInfo:
    """Read the list kind, date, time-of-day label and capture time that a file name states.

    Accepts ICE's own names (MMDDYYYY or MMDDYY plus am/mid/pm labels), Wayback-style names with a 14-digit
    UTC capture timestamp, and this project's ISO-dated mirror names. A directory part and the extension are
    ignored. Never raises: an unreadable or impossible date comes back as `named_date=None` with `problem`
    saying why. Years after `today`'s year + 1 (default: the real today) or before 2000 are impossible.
    """
    stem = _EXTENSION.sub("", re.split(r"[\\/]", name)[-1])
    kind_hint, after_kind = _split_kind(stem)
    latest_year = (today or date.today()).year + 1
    iso = ISO_DATE.search(after_kind)
    if iso is not None:
        return _read_iso_name(kind_hint, iso, after_kind[iso.end() :], latest_year)
    digits = _DIGIT_RUN.search(after_kind)
    if digits is None:
        return NameInfo(kind_hint, None, "", None, "no date in name", None)
    raw = digits.group()
    if len(raw) == 14:
        return _read_wayback_name(kind_hint, raw, latest_year)
    named_date, problem = _read_ice_digits(raw, latest_year)
    return NameInfo(kind_hint, named_date, _read_label(after_kind[digits.end() :]), None, problem, raw)


def label_rank(label: str) -> int:
    """Seconds after midnight at which a label's upload is taken to have happened, to order one day's lists.

    ICE's labels are nominal times: am 09:00, mid 12:00, pm 16:00; a second upload written with B or _b
    ('amB', 'am_b', 'pmB', 'pm_b') comes 10 minutes after its base, and numbered ones ('pm2' ... 'pm9') 20
    minutes per number after it, so am < amB < mid < pm < pmB = pm_b < pm2 < pm3. A file without a label
    ('') is put at 20:00, after every labelled upload: ICE dropped labels when it published once a day, so
    such a file is read as the day's final list. Wayback labels ('wb214937') use their real UTC time of day.
    Raises ValueError for a label `parse_file_name` never produces.
    """
    if label == "":
        return _seconds_after_midnight(_NO_LABEL_TIME)
    wayback = _WAYBACK_LABEL.fullmatch(label)
    captured = _time_of_day(wayback.group(1)) if wayback else None
    if captured is not None:
        return _seconds_after_midnight(captured)
    normalized = _NORMALIZED_LABEL.fullmatch(label)
    if normalized is None:
        raise ValueError(f"unknown time-of-day label {label!r}")
    seconds = _seconds_after_midnight(_BASE_LABEL_TIMES[normalized["base"]])
    suffix = normalized["suffix"]
    if suffix in ("B", "_b"):
        return seconds + int(_SECOND_UPLOAD_DELAY.total_seconds())
    if suffix:
        return seconds + int(_NUMBERED_UPLOAD_STEP.total_seconds()) * (int(suffix) - 1)
    return seconds


def snapshot_moment(snapshot_date: date, label: str) -> datetime:
    """A naive timestamp that orders snapshots across days and within a day (see `label_rank` for the times).

    ICE labels are nominal times and Wayback labels UTC times, so the two are only roughly comparable on the
    few days (March-April 2025) that have both.
    """
    return datetime.combine(snapshot_date, time()) + timedelta(seconds=label_rank(label))


def _split_kind(stem: str) -> tuple[str, str]:
    """The list kind named in the stem and the text after the kind's word ('Agencies', 'Entities', ...)."""
    word = _KIND_WORD.search(stem)
    if word is None:
        return "unknown", stem
    after_word = stem[word.end() :]
    return word.group().lower(), after_word[_LETTERS.match(after_word).end() :]


def _read_iso_name(kind_hint: str, iso: re.Match[str], after_date: str, latest_year: int) -> NameInfo:
    """A mirror name `<kind>_YYYY-MM-DD_<label>[_SWAPPED][_vN]`; a wb label gives the exact capture time."""
    year, month, day = (int(part) for part in iso.groups())
    named_date, problem = _calendar_date(year, month, day, iso.group(), latest_year)
    label = _read_label(after_date)
    wayback = _WAYBACK_LABEL.fullmatch(label)
    captured = _time_of_day(wayback.group(1)) if wayback else None
    captured_at = datetime.combine(named_date, captured, UTC) if named_date and captured else None
    return NameInfo(kind_hint, named_date, label, captured_at, problem, iso.group())


def _read_wayback_name(kind_hint: str, raw: str, latest_year: int) -> NameInfo:
    """A Wayback download name: YYYYMMDDHHMMSS is the UTC capture time, which also dates the list."""
    named_date, problem = _calendar_date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]), raw, latest_year)
    captured = _time_of_day(raw[8:])
    if named_date is None or captured is None:
        problem = problem or f"capture time '{raw[8:]}' in '{raw}' is not a time of day"
        return NameInfo(kind_hint, named_date, "", None, problem, raw)
    return NameInfo(
        kind_hint, named_date, f"wb{raw[8:]}", datetime.combine(named_date, captured, UTC), None, raw
    )


def _read_ice_digits(raw: str, latest_year: int) -> tuple[date | None, str | None]:
    """ICE's digits: MMDDYYYY, MMDDYY (from September 2026), or nine digits with one stray digit."""
    if len(raw) == 8:
        return _calendar_date(int(raw[4:]), int(raw[:2]), int(raw[2:4]), raw, latest_year)
    if len(raw) == 6:
        return _calendar_date(2000 + int(raw[4:]), int(raw[:2]), int(raw[2:4]), raw, latest_year)
    if len(raw) == 9:
        return _read_nine_digits(raw, latest_year)
    shown = raw if len(raw) <= 16 else f"{raw[:16]}..."
    return None, f"cannot read a date from the {len(raw)} digits '{shown}'"


def _read_nine_digits(raw: str, latest_year: int) -> tuple[date | None, str | None]:
    """Nine digits are a date plus one stray digit: a date followed by a digit ('041720263pm', a '3pm'), or
    the only date left when one digit is dropped ('090022025' -> 09022025); anything else is unreadable."""
    leading, _ = _calendar_date(int(raw[4:8]), int(raw[:2]), int(raw[2:4]), raw, latest_year)
    if leading is not None:
        return leading, f"stray digit '{raw[8]}' after the date in '{raw}'"
    readings = set()
    for position in range(len(raw)):
        shorter = raw[:position] + raw[position + 1 :]
        reading, _ = _calendar_date(int(shorter[4:]), int(shorter[:2]), int(shorter[2:4]), raw, latest_year)
        if reading is not None:
            readings.add(reading)
    if len(readings) == 1:
        reading = readings.pop()
        return reading, f"extra digit in '{raw}', read as {reading:%m%d%Y}"
    return None, f"cannot read one date from the 9 digits '{raw}'"


def _calendar_date(
    year: int, month: int, day: int, raw: str, latest_year: int
) -> tuple[date | None, str | None]:
    """The date, or None and the reason it is not a real, plausible calendar date."""
    if not 1 <= month <= 12:
        return None, f"month {month:02d} in '{raw}'"
    if day == 0:
        return None, f"day 00 in '{raw}'"
    if year > latest_year:
        return None, f"year {year} is in the future ('{raw}')"
    if year < FIRST_PLAUSIBLE_YEAR:
        return None, f"year {year} is before {FIRST_PLAUSIBLE_YEAR} ('{raw}')"
    try:
        return date(year, month, day), None
    except ValueError:
        return None, f"day {day:02d} does not exist in month {month:02d} of {year} ('{raw}')"


def _read_label(text: str) -> str:
    """The normalized time-of-day label at the start of `text`; '' when there is none.

    Case is folded ('PM' -> 'pm') except the B of a second upload ('pmb' -> 'pmB'); '_b' stays '_b'.
    Words after the label (' copy', '_SWAPPED', '_v2') and a 'nolabel' marker are not part of it.
    """
    written = _WRITTEN_LABEL.match(text[_SEPARATORS.match(text).end() :])
    if written is None:
        return ""
    if written["hms"] is not None:
        return f"wb{written['hms']}" if _time_of_day(written["hms"]) else ""
    suffix = (written["suffix"] or "").lower()
    return written["base"].lower() + {"b": "B", "_b": "_b"}.get(suffix, suffix)


def _time_of_day(hhmmss: str) -> time | None:
    """HHMMSS as a time, or None when it is not one."""
    hour, minute, second = int(hhmmss[:2]), int(hhmmss[2:4]), int(hhmmss[4:])
    return time(hour, minute, second) if hour < 24 and minute < 60 and second < 60 else None


def _seconds_after_midnight(moment: time) -> int:
    """A time of day as seconds, the unit of `label_rank`."""
    return moment.hour * 3600 + moment.minute * 60 + moment.second
